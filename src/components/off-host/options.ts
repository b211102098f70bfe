// Plain data and helpers of the off-host screens (no React: the i18n catalog test may import the lists).
import type { SnapshotView } from "~/components/snapshots/options";
import { type CopyState, FAILING_COPY_STATES } from "~/shared/storage";
import type { RouterOutputs } from "~/trpc/react";

export type CopyView = RouterOutputs["snapshot"]["copies"][number];
export type TestRestoreView = RouterOutputs["snapshot"]["testRestores"][number];
export type StorageTargetView = RouterOutputs["storageTarget"]["list"][number];

export { COPY_STATES, isCopyState, TEST_COMMAND_MAX, TEST_RESTORE_OUTCOMES } from "~/shared/storage";

/** Badge colours: a good copy green, one on its way neutral, one that is not (known to be) good red. */
export const COPY_STATE_BADGE = {
  queued: "secondary",
  copying: "secondary",
  verified: "success",
  failed: "destructive",
  corrupt: "destructive",
  missing: "destructive",
} as const satisfies Record<CopyState, string>;

export const isFailingCopy = (copy: Pick<CopyView, "state">) => FAILING_COPY_STATES.includes(copy.state);

/** A copy the server may write again: it failed, or a verification found it different or gone, and the local file is there. */
export const canRetryCopy = (copy: Pick<CopyView, "state">, local: Pick<SnapshotView, "fileMissing"> | undefined) =>
  isFailingCopy(copy) && local !== undefined && !local.fileMissing;

/**
 * A good copy of a snapshot this server lacks: pruned here, its file gone, or its file failed
 * verification. Fetching it back stores it under the snapshot's own id, ready to restore.
 */
export const canFetchBack = (copy: Pick<CopyView, "state">, local: Pick<SnapshotView, "fileMissing" | "verifyOutcome"> | undefined) =>
  copy.state === "verified" && (local === undefined || local.fileMissing || local.verifyOutcome === "failed");

/** Each snapshot's copies, by snapshot id. */
export function copiesBySnapshot(copies: readonly CopyView[]): Map<string, CopyView[]> {
  const bySnapshot = new Map<string, CopyView[]>();
  for (const copy of copies) {
    const list = bySnapshot.get(copy.snapshotId);
    if (list) list.push(copy);
    else bySnapshot.set(copy.snapshotId, [copy]);
  }
  return bySnapshot;
}

/** Copies still to be written (or re-tried): the copies list re-reads while there are any. */
export const anyCopyUnderway = (copies: readonly Pick<CopyView, "state">[] | undefined) =>
  !!copies?.some((c) => c.state === "queued" || c.state === "copying");

/** A test restore that has not ended yet (its row has no outcome). */
export const anyTestRestoreRunning = (runs: readonly Pick<TestRestoreView, "outcome">[] | undefined) =>
  !!runs?.some((r) => r.outcome === null);

/** Commands offered as examples in the test restore dialog (shell, never translated). */
export const TEST_COMMAND_EXAMPLES = ["pg_isready -h /var/run/postgresql", "test -f /data/app.db"] as const;
