import { TRPCClientError } from "@trpc/client";

/** What `berth` exits with: scripts branch on these. */
export const EXIT = { ok: 0, failed: 1, usage: 2, auth: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the CLI reports as `berth: <message> (<reason>)` and exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly reason?: string,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage, "usage");

const AUTH_STATUSES = new Set([401, 403]);

/** The server's answer to a plain HTTP route (download, import): `{ error: { code, message, reason } }`. */
export async function httpFailure(res: Response, what: string): Promise<CliError> {
  let body: { error?: { code?: string; message?: string; reason?: string } } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {}
  const message = body.error?.message ?? `${what}: HTTP ${res.status}`;
  const reason = body.error?.reason ?? body.error?.code;
  return new CliError(message, AUTH_STATUSES.has(res.status) ? EXIT.auth : EXIT.failed, reason);
}

interface ErrorData {
  code?: string;
  httpStatus?: number;
  reason?: string | null;
  zodIssues?: { field: string; code: string }[] | null;
}

const NETWORK_FAILURES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "the host name could not be looked up",
  ECONNRESET: "the connection was reset",
  EPIPE: "the connection was closed",
  UND_ERR_SOCKET: "the connection was closed",
  ETIMEDOUT: "the connection timed out",
  UND_ERR_CONNECT_TIMEOUT: "the connection timed out",
  EHOSTUNREACH: "no route to the host",
  ENETUNREACH: "the network is unreachable",
};
// OpenSSL's verification codes (CERT_HAS_EXPIRED, DEPTH_ZERO_SELF_SIGNED_CERT, UNABLE_TO_VERIFY_LEAF_SIGNATURE…) and Node's TLS ones.
const TLS_FAILURE = /CERT|SSL|TLS|UNABLE_TO_|EPROTO/;

/**
 * What went wrong on the wire, in words, when `error` (or one of its causes: fetch wraps the
 * socket's error in "fetch failed", tRPC wraps that again) is a connection or TLS failure.
 */
export function networkProblem(error: unknown): string | null {
  const seen = new Set<unknown>();
  const queue = [error];
  while (queue.length > 0) {
    const e = queue.shift() as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown } | null;
    if (!e || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    if (typeof e.code === "string") {
      const known = NETWORK_FAILURES[e.code];
      if (known) return known;
      if (TLS_FAILURE.test(e.code)) return `TLS failed: ${typeof e.message === "string" ? e.message : e.code}`;
    }
    queue.push(e.cause);
    // Both addresses of "localhost" refused: an AggregateError holds one error per address.
    if (Array.isArray(e.errors)) queue.push(...e.errors);
  }
  return null;
}

/** "cannot reach <server>: connection refused" for a network failure, else null. */
export function unreachable(error: unknown, server = "the server"): CliError | null {
  const problem = networkProblem(error);
  return problem ? new CliError(`cannot reach ${server}: ${problem}`, EXIT.failed, "unreachable") : null;
}

/** A tRPC failure as the CLI reports it: the reason code (or tRPC code) and the English message. */
export function fromClientError(error: TRPCClientError<never>): CliError {
  const data = (error.data ?? {}) as ErrorData;
  // Our fetch has already said which server could not be reached, and why.
  if (error.cause instanceof CliError) return error.cause;
  if (!error.data && !(error.cause instanceof TRPCClientError)) {
    // No tRPC answer at all: the server is down, the URL is wrong, or it is not Berth.
    const cause = error.cause instanceof Error ? error.cause.message : error.message;
    return unreachable(error) ?? new CliError(`cannot reach the server: ${cause}`, EXIT.failed, "unreachable");
  }
  const auth = AUTH_STATUSES.has(data.httpStatus ?? 0) || data.code === "UNAUTHORIZED" || data.code === "FORBIDDEN";
  const message = data.zodIssues?.length
    ? `invalid input: ${data.zodIssues.map((i) => `${i.field || "input"} (${i.code})`).join(", ")}`
    : error.message;
  return new CliError(message, auth ? EXIT.auth : EXIT.failed, data.reason ?? data.code);
}

/** Any error as a CliError; unexpected ones keep their message but never their stack. */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof TRPCClientError) return fromClientError(error);
  const network = networkProblem(error);
  // A connection lost halfway (a download cut short) rather than one never made.
  if (network) return new CliError(`the connection to the server failed: ${network}`, EXIT.failed, "unreachable");
  return new CliError(error instanceof Error ? error.message : String(error), EXIT.failed);
}
