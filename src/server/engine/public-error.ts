import { DomainError } from "./errors";

type ErrorFacts = { code?: unknown; syscall?: unknown; statusCode?: unknown; cause?: unknown };

/** The error and the causes it wraps (adapters re-throw Docker's errors with `cause`). */
function chain(error: unknown): ErrorFacts[] {
  const links: ErrorFacts[] = [];
  for (let e = error; e && typeof e === "object" && links.length < 5; e = (e as ErrorFacts).cause) links.push(e as ErrorFacts);
  return links;
}

/**
 * Where the engine's failures leave for a client (operation events, workload status,
 * restore runs): raw filesystem and Docker errors name host paths, so only a DomainError's
 * message (written to be shown) or a generic sentence chosen by errno code goes out. The
 * caller logs the error itself.
 */
export function publicMessage(error: unknown): string {
  if (error instanceof DomainError) return error.message;
  const links = chain(error);
  if (links.some((e) => e.syscall === "connect")) return "The Docker engine could not be reached";
  if (links.some((e) => typeof e.statusCode === "number")) return "The Docker engine refused the request";
  switch (links.find((e) => typeof e.code === "string")?.code) {
    case "ENOSPC":
      return "The disk is full";
    case "EDQUOT":
      return "The disk quota is exhausted";
    case "EACCES":
    case "EPERM":
      return "Permission denied on the server's filesystem";
    case "ENOENT":
      return "A file or folder the operation needed is missing";
    default:
      return "An unexpected error occurred (details are in the server log)";
  }
}

/** A container state Berth could not read: a code the UI translates, never Docker's text. */
export function unreachableReason(error: unknown): "docker-unreachable" | "docker-error" {
  return chain(error).some((e) => e.syscall === "connect") ? "docker-unreachable" : "docker-error";
}

/** Where the engine logs what it does not send: pino's `warn(object, message)` shape. */
export interface EngineLog {
  warn(detail: object, message: string): void;
}
