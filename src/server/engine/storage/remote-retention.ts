import type { StorageTarget } from "~/generated/prisma/client";
import { systemActor } from "../actor";
import { recordAudit } from "../audit";
import type { EngineDeps } from "../deps";
import { applyRetention } from "../retention/retention-policy";
import { remoteSidecarName, type StorageBackend } from "./storage-backend";
import { targetRetention } from "./target-settings";

/**
 * Applies the target's own retention to one workload's copies on it (restic's rule, as for
 * local snapshots: retention-policy.ts). A copy whose local snapshot is pinned is never
 * removed; the newest verified copy is never removed; copies still queued or being written
 * take no part. Removes the remote files first, then the rows.
 */
export async function pruneRemoteCopies(
  deps: EngineDeps,
  backend: StorageBackend,
  target: StorageTarget,
  workloadId: string,
): Promise<number> {
  const policy = targetRetention(target);
  if (!policy) return 0;
  // Only copies that are on the target take part: a failed or missing one holds no place in the buckets.
  const copies = await deps.db.snapshotCopy.findMany({
    where: { targetId: target.id, workloadId, state: { in: ["verified", "corrupt"] } },
  });
  const pinned = new Set(
    (await deps.db.snapshot.findMany({ where: { id: { in: copies.map((c) => c.snapshotId) }, pinned: true }, select: { id: true } })).map(
      (s) => s.id,
    ),
  );
  const decision = applyRetention(
    copies.map((c) => ({
      id: c.id,
      createdAt: c.snapshotCreatedAt,
      kind: c.kind,
      pinned: pinned.has(c.snapshotId),
      good: c.state === "verified",
    })),
    policy,
  );
  let removed = 0;
  for (const id of decision.remove) {
    const copy = copies.find((c) => c.id === id);
    if (!copy) continue;
    try {
      await backend.remove(copy.remoteName);
      await backend.remove(remoteSidecarName(copy.snapshotId));
      await deps.db.snapshotCopy.delete({ where: { id } });
      removed += 1;
    } catch (error) {
      deps.log.warn({ err: error, copyId: id, targetId: target.id }, "pruning a remote copy failed; tried again after the next copy");
    }
  }
  if (removed > 0) {
    await recordAudit(deps.db, systemActor("berth:retention"), {
      action: "storageTarget.prune",
      target: target.id,
      outcome: "success",
      detail: { workloadId, removed },
    });
  }
  return removed;
}
