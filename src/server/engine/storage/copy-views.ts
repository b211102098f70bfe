import type { SnapshotCopy, StorageTarget } from "~/generated/prisma/client";
import { decodeReason } from "~/shared/encoded-reason";
import type { ErrorParams } from "~/shared/error-reasons";
import { isCopyState, isStorageKind, type CopyState, type StorageKind } from "~/shared/storage";
import type { Actor } from "../actor";
import type { EngineDeps } from "../deps";

/** One copy as every role sees it: the target's name and kind, never where it is or how to log in. */
export interface CopyView {
  id: string;
  snapshotId: string;
  workloadId: string;
  targetId: string;
  targetName: string;
  targetKind: StorageKind;
  state: CopyState;
  size: bigint;
  bytesDone: bigint;
  attempts: number;
  nextAttemptAt: Date | null;
  copiedAt: Date | null;
  verifiedAt: Date | null;
  checkedAt: Date | null;
  /** the snapshot's, kept with the copy (it may outlive the local snapshot) */
  label: string;
  kind: string;
  snapshotCreatedAt: Date;
  /** why the last try or check failed */
  reason?: string;
  params?: ErrorParams;
}

export function copyView(row: SnapshotCopy & { target: Pick<StorageTarget, "name" | "kind"> }): CopyView {
  const last = row.detail ? decodeReason(row.detail) : null;
  return {
    id: row.id,
    snapshotId: row.snapshotId,
    workloadId: row.workloadId,
    targetId: row.targetId,
    targetName: row.target.name,
    targetKind: isStorageKind(row.target.kind) ? row.target.kind : "local",
    state: isCopyState(row.state) ? row.state : "failed",
    size: row.size,
    bytesDone: row.bytesDone,
    attempts: row.attempts,
    nextAttemptAt: row.nextAttemptAt,
    copiedAt: row.copiedAt,
    verifiedAt: row.verifiedAt,
    checkedAt: row.checkedAt,
    label: row.label,
    kind: row.kind,
    snapshotCreatedAt: row.snapshotCreatedAt,
    ...(last ? { reason: last.reason, params: last.params ?? {} } : {}),
  };
}

/**
 * The copies of one snapshot, or of every snapshot of a workload (those whose local snapshot
 * was pruned included: they can be fetched back), newest snapshot first.
 */
export async function listCopies(deps: EngineDeps, _viewer: Actor, input: { id?: string; workloadId?: string }): Promise<CopyView[]> {
  if (!input.id && !input.workloadId) return [];
  const rows = await deps.db.snapshotCopy.findMany({
    where: input.id ? { snapshotId: input.id } : { workloadId: input.workloadId },
    include: { target: { select: { name: true, kind: true } } },
    orderBy: [{ snapshotCreatedAt: "desc" }, { createdAt: "asc" }],
  });
  return rows.map(copyView);
}
