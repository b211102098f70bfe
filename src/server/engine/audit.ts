import type { Db } from "../db";
import type { Actor } from "./actor";

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

export async function listAuditEvents(db: Db, limit = 100) {
  return db.auditEvent.findMany({ orderBy: { at: "desc" }, take: limit });
}
