import type { Db } from "../db";
import type { EngineDeps } from "./deps";
import type { Actor } from "./actor";
import { publicMessage } from "./public-error";

export interface AuditEntry {
  action: string;
  target?: string;
  outcome: "success" | "failure";
  detail?: Record<string, unknown>;
}

export async function recordAudit(db: Db, actor: Actor, entry: AuditEntry): Promise<void> {
  await db.auditEvent.create({
    data: {
      actor: actor.label,
      action: entry.action,
      target: entry.target ?? null,
      outcome: entry.outcome,
      detail: entry.detail ? JSON.stringify(entry.detail) : null,
    },
  });
}

/**
 * Runs an action and records how it ended: success (with the target and detail `onSuccess`
 * derives from the result, e.g. the new snapshot's id) or failure with the public message,
 * which names no host path. The one shape of every audited action.
 */
export async function audited<T>(
  deps: Pick<EngineDeps, "db">,
  actor: Actor,
  entry: { action: string; target: string; detail?: Record<string, unknown> },
  work: () => Promise<T>,
  onSuccess?: (result: T) => Pick<AuditEntry, "target" | "detail">,
): Promise<T> {
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await recordAudit(deps.db, actor, { ...entry, outcome: "failure", detail: { ...entry.detail, message: publicMessage(error) } });
    throw error;
  }
  const more = onSuccess?.(result);
  const detail = entry.detail || more?.detail ? { ...entry.detail, ...more?.detail } : undefined;
  await recordAudit(deps.db, actor, { action: entry.action, target: more?.target ?? entry.target, outcome: "success", detail });
  return result;
}

export async function listAuditEvents(deps: EngineDeps, _viewer: Actor, limit = 100) {
  return deps.db.auditEvent.findMany({ orderBy: { at: "desc" }, take: limit });
}
