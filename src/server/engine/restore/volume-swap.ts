import fs from "node:fs/promises";
import path from "node:path";
import { crashPoint } from "./crash-points";
import { fsyncPath } from "../durable-fs";
import { DomainError } from "../errors";
import { removeTree } from "../remove-tree";
import type { Journal, VolumePlan } from "./journal";

const exists = (p: string) =>
  fs.lstat(p).then(
    () => true,
    () => false,
  );

/**
 * Forward: live → backup, staged → live, parent fsynced and a STEP appended after each
 * rename. Each rename is atomic on one filesystem, and every step checks what is already
 * done, so running it again after a crash finishes the job instead of repeating it.
 */
export async function swapInVolume(plan: VolumePlan, index: number, journal: Journal | null): Promise<void> {
  const parent = path.dirname(plan.live);
  if (await exists(plan.staged)) {
    if (!(await exists(plan.backup)) && (plan.liveAbsent || (await exists(plan.live)))) {
      if (plan.liveAbsent) {
        // An empty placeholder backup marks "live is ours now": rollback removes live only
        // while the placeholder exists, never a folder something else created later.
        if (await exists(plan.live)) {
          throw new DomainError("CONFLICT", `The folder of ${plan.target} appeared during the restore`, {
            reason: "folder-appeared",
            params: { target: plan.target },
          });
        }
        await fs.mkdir(plan.backup, { mode: 0o700 });
      } else {
        await fs.rename(plan.live, plan.backup);
      }
      await fsyncPath(parent);
      crashPoint(`swap-${index}-after-backup`);
      await journal?.append({ type: "STEP", volume: index, action: "live-to-backup" });
    }
    await fs.rename(plan.staged, plan.live);
    await fsyncPath(parent);
    crashPoint(`swap-${index}-after-live`);
    await journal?.append({ type: "STEP", volume: index, action: "staged-to-live" });
  }
}

/**
 * Backward, for a restore that never committed: whatever sits at `live` came from staging
 * if a backup exists, so it goes, and the backup comes back (or, for a volume whose folder
 * did not exist before, the placeholder goes and live stays absent); staging is removed.
 */
export async function rollBackVolume(plan: VolumePlan): Promise<void> {
  const parent = path.dirname(plan.live);
  if (await exists(plan.backup)) {
    if (await exists(plan.live)) {
      // Rename first, then delete: the live name is never missing the old data for longer
      // than one rename, and a crash mid-delete leaves only a discard dir to remove later.
      const discard = `${plan.staged}.discard`;
      await removeTree(discard);
      await fs.rename(plan.live, discard);
    }
    if (plan.liveAbsent) await fs.rmdir(plan.backup);
    else await fs.rename(plan.backup, plan.live);
    await fsyncPath(parent);
  }
  await removeTree(`${plan.staged}.discard`);
  await removeTree(plan.staged);
}

/**
 * O(1) undo, after COMMIT and before the undo copy was archived: live → undone, backup → live
 * (or, for a volume whose folder did not exist before, the placeholder goes and live stays
 * absent). Each step checks what is done already, so it can be run again after a crash.
 */
export async function swapBackVolume(plan: VolumePlan, index: number, journal: Journal | null): Promise<void> {
  const parent = path.dirname(plan.live);
  const undone = plan.undone!;
  if (!(await exists(plan.backup))) return;
  if (!(await exists(undone))) {
    if (await exists(plan.live)) {
      await fs.rename(plan.live, undone);
      await fsyncPath(parent);
    }
    crashPoint(`undo-${index}-after-live-out`);
    await journal?.append({ type: "STEP", volume: index, action: "live-to-undone" });
  } else if (await exists(plan.live)) {
    // Both the restored data and something new at live: not ours to decide; recovery keeps the journal.
    throw new DomainError("CONFLICT", `The folder of ${plan.target} changed during the undo`, {
      reason: "folder-changed",
      params: { target: plan.target },
    });
  }
  if (plan.liveAbsent) await fs.rmdir(plan.backup);
  else await fs.rename(plan.backup, plan.live);
  await fsyncPath(parent);
  crashPoint(`undo-${index}-after-backup-in`);
  await journal?.append({ type: "STEP", volume: index, action: "backup-to-live" });
}

/** Once the undo copy is durable (or the restore is done): every folder the restore left beside live. */
export async function removeLeftovers(plan: VolumePlan): Promise<void> {
  await removeTree(plan.backup);
  await removeTree(plan.staged);
  if (plan.undone) await removeTree(plan.undone);
}
