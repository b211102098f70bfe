import type { Because, Entity, ErrorParams, ErrorReason } from "~/shared/error-reasons";
import { type FieldIssue, fieldIssueEnglish } from "~/shared/workload-fields";

// The engine's only error type. The API layer maps `code` to a tRPC code / HTTP status
// in one place; `message` is safe to show a user (no host paths, no SQL, no stack), and
// `reason` with `params` says the same as a code the UI translates.
export type DomainErrorCode =
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "PRECONDITION_FAILED"
  | "PAYLOAD_TOO_LARGE"
  | "TOO_MANY_REQUESTS";

/** `cause` for the log; a reason (with the params it needs) for the UI; `fieldIssues` when several fields are at fault. */
export type DomainErrorOptions = { cause?: unknown; fieldIssues?: FieldIssue[] } & (Because | { reason?: undefined; params?: undefined });

// The server process loads the engine twice (the custom server's and Next's bundles) and shares
// one EngineDeps: an error thrown by the other copy's code must still be a DomainError here.
const DOMAIN_ERROR = Symbol.for("berth.DomainError");

export class DomainError extends Error {
  static [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class instanceof was asked about (a subclass keeps its own test)
    if (this !== DomainError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === "object" && value !== null && DOMAIN_ERROR in value;
  }

  readonly [DOMAIN_ERROR] = true;
  readonly code: DomainErrorCode;
  readonly reason?: ErrorReason;
  readonly params?: ErrorParams;
  readonly fieldIssues?: FieldIssue[];

  constructor(code: DomainErrorCode, message: string, options?: DomainErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "DomainError";
    this.code = code;
    if (options?.reason) [this.reason, this.params] = [options.reason, options.params];
    if (options?.fieldIssues) this.fieldIssues = options.fieldIssues;
  }
}

/** English names for `notFound()`'s message; the UI translates the entity code. */
const ENTITY_NAMES: Record<Entity, string> = {
  user: "User",
  apiToken: "API token",
  project: "Project",
  stage: "Stage",
  workload: "Workload",
  snapshot: "Snapshot",
  schedule: "Schedule",
  restoreRun: "Restore run",
  alertTarget: "Alert target",
  storageTarget: "Storage target",
  snapshotCopy: "Copy",
  testRestore: "Test restore",
};

export const badRequest = (message: string, because?: Because) => new DomainError("BAD_REQUEST", message, because);
export const notFound = (entity: Entity) =>
  new DomainError("NOT_FOUND", `${ENTITY_NAMES[entity]} not found`, { reason: "not-found", params: { entity } });
export const conflict = (message: string, because?: Because) => new DomainError("CONFLICT", message, because);

/** A field issue with the engine's own English (for reasons fieldIssueEnglish does not know). */
export type ExplainedIssue = FieldIssue & { english?: string };

/**
 * Every field at fault, in one error: the message names the first (logs, the CLI), `fieldIssues`
 * carries them all for the form. Null when there is nothing to refuse.
 */
export function invalidFields(issues: ExplainedIssue[]): DomainError | null {
  const [first] = issues;
  if (!first) return null;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
  return new DomainError("BAD_REQUEST", `${first.english ?? fieldIssueEnglish(first)}${more}`, {
    reason: "invalid-fields",
    params: { count: issues.length },
    fieldIssues: issues.map(({ path, reason, params }) => ({ path, reason, params })),
  });
}

export const domainErrorHttpStatus: Record<DomainErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
};
