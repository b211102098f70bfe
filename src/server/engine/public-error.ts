import type { ErrorParams, ErrorReason } from "~/shared/error-reasons";
import { DomainError } from "./errors";

type ErrorFacts = { code?: unknown; syscall?: unknown; statusCode?: unknown; cause?: unknown };

/** The error and the causes it wraps (adapters re-throw Docker's errors with `cause`). */
function chain(error: unknown): ErrorFacts[] {
  const links: ErrorFacts[] = [];
  for (let e = error; e && typeof e === "object" && links.length < 5; e = (e as ErrorFacts).cause) links.push(e as ErrorFacts);
  return links;
}

/**
 * Docker's text when a published host port is taken: "Bind for 0.0.0.0:8080 failed: port is
 * already allocated" (another container) or "listen tcp4 0.0.0.0:8080: bind: address already
 * in use" (another program, through the userland proxy). Only the port number goes on; the
 * rest names the endpoint by its 64-character id. Null when the text names no port.
 */
const PORT_TAKEN = /(?:port is already allocated|address already in use)/i;
const PORT_IN_TEXT = /:(\d{1,5})(?: failed)?: (?:port is already allocated|bind: address already in use)/i;
function hostPortInUse(links: ErrorFacts[]): string | null {
  for (const e of links) {
    const text = (e as { message?: unknown }).message;
    if (typeof text !== "string" || !PORT_TAKEN.test(text)) continue;
    // Only Docker's own words name the port; another "address already in use" (Node's EADDRINUSE) is not this.
    const port = PORT_IN_TEXT.exec(text)?.[1];
    if (port) return port;
  }
  return null;
}

/** A client-safe failure: the English message and the same as a code with params. */
export interface PublicFailure {
  /** absent for a DomainError that has none: its message is all a client gets */
  reason?: ErrorReason;
  params: ErrorParams;
  message: string;
}

const generic = (reason: ErrorReason, message: string): PublicFailure => ({ reason, params: {}, message });

/**
 * Where the engine's failures leave for a client (operation events, workload status,
 * restore runs): raw filesystem and Docker errors name host paths, so only a DomainError's
 * message and reason (written to be shown) or a generic one chosen by errno code goes out.
 * The caller logs the error itself.
 */
export function publicFailure(error: unknown): PublicFailure {
  if (error instanceof DomainError) return { reason: error.reason, params: error.params ?? {}, message: error.message };
  const links = chain(error);
  const port = hostPortInUse(links);
  if (port !== null) {
    return { reason: "host-port-in-use", params: { port }, message: `Host port ${port} is already in use on this server` };
  }
  if (links.some((e) => e.syscall === "connect")) return generic("docker-unreachable", "The Docker engine could not be reached");
  if (links.some((e) => typeof e.statusCode === "number")) return generic("docker-refused", "The Docker engine refused the request");
  switch (links.find((e) => typeof e.code === "string")?.code) {
    case "ENOSPC":
      return generic("disk-full", "The disk is full");
    case "EDQUOT":
      return generic("quota-exhausted", "The disk quota is exhausted");
    case "EACCES":
    case "EPERM":
      return generic("permission-denied", "Permission denied on the server's filesystem");
    case "ENOENT":
      return generic("file-missing", "A file or folder the operation needed is missing");
    default:
      return generic("unexpected", "An unexpected error occurred (details are in the server log)");
  }
}

export const publicMessage = (error: unknown): string => publicFailure(error).message;

/**
 * Params for a reason that wraps another failure: its reason as `cause` ("" when it has
 * none: the client then shows the English message), its params beside it.
 */
export const causeParams = (failure: PublicFailure): ErrorParams & { cause: ErrorReason | "" } => ({
  ...failure.params,
  cause: failure.reason ?? "",
});

/** A container state Berth could not read: a code the UI translates, never Docker's text. */
export function unreachableReason(error: unknown): "docker-unreachable" | "docker-error" {
  return chain(error).some((e) => e.syscall === "connect") ? "docker-unreachable" : "docker-error";
}
