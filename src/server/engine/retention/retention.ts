import fs from "node:fs/promises";
import type { RetentionPolicy as PolicyRow } from "~/generated/prisma/client";
import { DEFAULT_RETENTION, KEEP_RULES, type KeepReason, type RetentionPolicy } from "~/shared/retention";
import type { Actor } from "../actor";
import { audited, recordAudit } from "../audit";
import type { EngineDeps } from "../deps";
import { DomainError } from "../errors";
import { forgetUnwrittenCopies, snapshotFilePath, snapshotView, type SnapshotView } from "../snapshots/snapshot-store";
import { assertTimeZone } from "../time-zone";
import { assertWorkloadExists } from "../workloads/workload-exists";
import { workloadLockKey } from "../workloads/workloads";
import { applyRetention, type RetentionDecision } from "./retention-policy";

const policyOf = (row: PolicyRow): RetentionPolicy => ({
  ...(Object.fromEntries(KEEP_RULES.map((rule) => [rule, row[rule]])) as Record<(typeof KEEP_RULES)[number], number>),
  timezone: row.timezone,
  includeManual: row.includeManual,
});

/** The workload's policy, or null when it has none (then nothing of it is ever pruned). */
export async function getRetention(deps: EngineDeps, _viewer: Actor, input: { workloadId: string }): Promise<RetentionPolicy | null> {
  await assertWorkloadExists(deps, input.workloadId);
  const row = await deps.db.retentionPolicy.findUnique({ where: { workloadId: input.workloadId } });
  return row ? policyOf(row) : null;
}

export async function setRetention(
  deps: EngineDeps,
  actor: Actor,
  input: { workloadId: string; policy: RetentionPolicy },
): Promise<RetentionPolicy> {
  await assertWorkloadExists(deps, input.workloadId);
  assertTimeZone(input.policy.timezone);
  const { workloadId, policy } = input;
  return audited(deps, actor, { action: "retention.set", target: workloadId, detail: { ...policy } }, async () =>
    policyOf(await deps.db.retentionPolicy.upsert({ where: { workloadId }, create: { workloadId, ...policy }, update: policy })),
  );
}

/** A workload's first schedule brings the default policy, read in the schedule's time zone. */
export async function ensureDefaultRetention(deps: EngineDeps, workloadId: string, timezone: string): Promise<void> {
  await deps.db.retentionPolicy.upsert({ where: { workloadId }, create: { workloadId, ...DEFAULT_RETENTION, timezone }, update: {} });
}

export interface RetentionPreview {
  /** what the policy would delete, newest first */
  remove: SnapshotView[];
  /** what it keeps, and why */
  keep: { id: string; reasons: KeepReason[] }[];
}

/** Which of the workload's snapshots `policy` would delete now; nothing is changed. */
export async function previewRetention(
  deps: EngineDeps,
  _actor: Actor,
  input: { workloadId: string; policy: RetentionPolicy },
): Promise<RetentionPreview> {
  await assertWorkloadExists(deps, input.workloadId);
  assertTimeZone(input.policy.timezone);
  const rows = await workloadSnapshots(deps, input.workloadId);
  const decision = applyRetention(rows.map(candidate), input.policy);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return {
    remove: decision.remove.flatMap((id) => {
      const row = byId.get(id);
      return row ? [snapshotView(row)] : [];
    }),
    keep: [...decision.keep].map(([id, reasons]) => ({ id, reasons })),
  };
}

export interface PruneResult {
  removed: string[];
  /** why nothing was looked at */
  skipped?: "no-policy" | "restore-running";
}

/**
 * Deletes what the workload's policy does not keep, under the workload's lock (no capture or
 * deploy meanwhile). Never while the workload is being restored: the restore's snapshot and its
 * undo copy are not to be touched, so pruning waits for the next run. A snapshot whose row
 * cannot be deleted stays and the rest go on, then the call fails.
 */
export async function pruneWorkload(deps: EngineDeps, actor: Actor, workloadId: string): Promise<PruneResult> {
  return deps.locks.run(workloadLockKey(workloadId), async () => {
    if (deps.restores.isRunning(workloadId)) return { removed: [], skipped: "restore-running" };
    const policyRow = await deps.db.retentionPolicy.findUnique({ where: { workloadId } });
    if (!policyRow) return { removed: [], skipped: "no-policy" };
    const rows = await workloadSnapshots(deps, workloadId);
    const decision: RetentionDecision = applyRetention(rows.map(candidate), policyOf(policyRow));
    const byId = new Map(rows.map((r) => [r.id, r]));
    const removed: string[] = [];
    let failed = 0;
    for (const id of decision.remove) {
      // Checked before each file, not once: a restore may claim the workload while we work.
      if (deps.restores.isRunning(workloadId)) break;
      try {
        // The row first, and only while unpinned (a pin may have come since the policy was read).
        // A crash before the file goes leaves an archive without a row: the boot sweep deletes it.
        const { count } = await deps.db.snapshot.deleteMany({ where: { id, pinned: false } });
        if (count === 0) continue;
        removed.push(id);
        await forgetUnwrittenCopies(deps.db, id);
        await fs.rm(snapshotFilePath(deps.dataDir, byId.get(id)!), { force: true }).catch((error: unknown) => {
          deps.log.warn({ err: error, snapshotId: id, workloadId }, "retention: a pruned snapshot's file stays until the next start");
        });
      } catch (error) {
        failed += 1;
        deps.log.warn({ err: error, snapshotId: id, workloadId }, "retention: deleting a snapshot failed");
      }
    }
    if (removed.length > 0 || failed > 0) {
      await recordAudit(deps.db, actor, {
        action: "retention.prune",
        target: workloadId,
        outcome: failed > 0 ? "failure" : "success",
        detail: { removed, failed },
      });
    }
    if (failed > 0) {
      throw new DomainError("PRECONDITION_FAILED", `Pruning old snapshots failed for ${failed} snapshot(s)`, {
        reason: "prune-failed",
      });
    }
    return { removed };
  });
}

/** retention.prune: prunes now, by the stored policy. */
export async function applyRetentionNow(deps: EngineDeps, actor: Actor, input: { workloadId: string }): Promise<PruneResult> {
  await assertWorkloadExists(deps, input.workloadId);
  return pruneWorkload(deps, actor, input.workloadId);
}

const workloadSnapshots = (deps: EngineDeps, workloadId: string) =>
  deps.db.snapshot.findMany({ where: { workloadId }, orderBy: { createdAt: "desc" } });

const candidate = (row: { id: string; createdAt: Date; kind: string; pinned: boolean; fileMissing: boolean }) => ({
  id: row.id,
  createdAt: row.createdAt,
  kind: row.kind,
  pinned: row.pinned,
  good: !row.fileMissing,
});
