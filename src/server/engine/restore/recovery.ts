import fs from "node:fs/promises";
import path from "node:path";
import type { Actor } from "../actor";
import { recordAudit } from "../audit";
import { publicMessage } from "../public-error";
import { removeTree } from "../remove-tree";
import { deployUnderLock, loadWorkload, resolveWorkloadVolumes, workloadLockKey, workloadsSharing } from "../workloads/workloads";
import { sweepSnapshotFiles } from "../snapshots/sweep";
import { crashPoint } from "./crash-points";
import { journalState, listJournals, stoppedWith, type OpenJournal } from "./journal";
import {
  markDoneIfUnrecorded,
  markRecovered,
  markRecoveryFailed,
  markRollbackFailed,
  markRolledBackAtBoot,
  markUndone,
  markUpIfUnrecorded,
} from "./restore-runs";
import { resumeUndoCopies } from "./undo-copy";
import { removeLeftovers, rollBackVolume, swapBackVolume, swapInVolume } from "./volume-swap";
import type { EngineDeps } from "~/server/engine/deps";

export interface RecoveryReport {
  restoreId: string;
  workloadId: string;
  outcome:
    | "rolled-back-at-boot"
    | "completed-at-boot"
    | "succeeded"
    | "rollback-failed"
    | "cleaned-up"
    | "saving-undo-copy"
    | "recovery-failed";
  redeployError?: string;
}

const STRAY = /^\.berth-(staging|backup|undone)-([0-9a-f-]{36})-/;

/**
 * What a start does before serving, the server's and `berth recover`'s alike: finish or undo
 * interrupted restores, then sweep the snapshot files (leftovers of cut-short writes), then
 * resume the undo copies not saved yet (in the background; after the sweep, which would
 * otherwise take their half-written files for leftovers).
 */
export async function recoverAtStart(deps: EngineDeps, actor: Actor): Promise<RecoveryReport[]> {
  const reports = await recoverInterruptedRestores(deps, actor);
  await sweepSnapshotFiles(deps);
  await resumeUndoCopies(deps);
  return reports;
}

/**
 * Finishes what crashed restores left, before the server serves anything: a journal without
 * COMMIT is rolled back (every backup put back), one with COMMIT is rolled forward (the
 * remaining swaps done), one with an UNDO is finished (the old data back). Every step checks
 * the filesystem before acting, so recovery can itself be killed at any point and run again.
 * Then the workloads are redeployed and the outcome recorded on the run. What is left is the
 * undo copy: resumeUndoCopies (undo-copy.ts) saves it in the background, after the sweep.
 */
export async function recoverInterruptedRestores(deps: EngineDeps, actor: Actor): Promise<RecoveryReport[]> {
  const reports: RecoveryReport[] = [];
  for (const journal of await listJournals(deps.dataDir)) {
    try {
      reports.push(await recoverOne(deps, actor, journal));
    } catch (error) {
      // One journal that cannot be finished must not keep the others (or the server) down: it
      // stays for the next start or `berth recover`, and its workloads stay stopped.
      const runId = journal.intent ? (journalState(journal.records).undo?.runId ?? journal.intent.restoreId) : "";
      deps.log.warn(
        { err: error, journal: journal.path },
        "recovery: an interrupted restore could not be finished; its workloads stay stopped",
      );
      await markRecoveryFailed(deps.db, runId);
      reports.push({ restoreId: runId, workloadId: journal.intent?.workloadId ?? "", outcome: "recovery-failed" });
    }
  }
  await removeStrays(deps);
  reports.push(...(await closeRunsWithoutJournal(deps, actor)));
  return reports;
}

/**
 * A restore that died before its journal existed changed no live data, but it may have
 * stopped the containers: record how it ended and bring the workload back.
 */
async function closeRunsWithoutJournal(deps: EngineDeps, actor: Actor): Promise<RecoveryReport[]> {
  const reports: RecoveryReport[] = [];
  // A journal still here is one whose rollback failed: its workload stays stopped.
  const journaled = (await listJournals(deps.dataDir)).flatMap((j) => [
    j.intent?.restoreId ?? "",
    journalState(j.records).undo?.runId ?? "",
  ]);
  for (const run of await deps.db.restoreRun.findMany({ where: { outcome: null, id: { notIn: journaled } } })) {
    // Without a journal the restore's list of stopped siblings is lost: the workloads that share
    // the folders now are the ones it stopped.
    const w = await loadWorkload(deps.db, run.workloadId).catch(() => null);
    const folders = w
      ? (await resolveWorkloadVolumes(deps, w).catch(() => [])).flatMap((v) => (v.kind === "bind" ? [v.hostPath] : []))
      : [];
    // Best effort: with Docker down the containers are down too, and boot must not fail on it.
    const siblings = folders.length > 0 ? (await workloadsSharing(deps, folders, run.workloadId, "best-effort")).map((s) => s.id) : [];
    // Cut short while staging, it had not stopped anything yet.
    const redeployError =
      run.phase === "staging" ? undefined : await redeployMeantToRun(deps, actor, [run.workloadId, ...siblings], run.id);
    const detail = redeployError ? "redeploy-failed" : null;
    await markRolledBackAtBoot(deps.db, run.id, detail);
    await recordAudit(deps.db, actor, {
      action: "snapshot.restore.recover",
      target: run.snapshotId,
      outcome: "success",
      detail: { restoreId: run.id, outcome: "rolled-back-at-boot" },
    });
    reports.push({ restoreId: run.id, workloadId: run.workloadId, outcome: "rolled-back-at-boot", redeployError });
  }
  return reports;
}

async function recoverOne(deps: EngineDeps, actor: Actor, journal: OpenJournal): Promise<RecoveryReport> {
  const intent = journal.intent;
  if (!intent) {
    // Torn before its INTENT was durable: no rename can have happened. Strays go below.
    await journal.remove();
    return { restoreId: path.basename(journal.path, ".journal"), workloadId: "", outcome: "cleaned-up" };
  }
  const state = journalState(journal.records);
  const runId = state.undo?.runId ?? intent.restoreId;
  if (state.done) {
    // Everything was done; a crash may have come before the run was recorded as finished,
    // and then it is recorded here: it succeeded.
    for (const vp of intent.volumes) await removeLeftovers(vp);
    const unrecorded = await markDoneIfUnrecorded(deps.db, runId);
    if (unrecorded) {
      await recordAudit(deps.db, actor, {
        action: "snapshot.restore.recover",
        target: intent.snapshotId,
        outcome: "success",
        detail: { restoreId: runId, outcome: "succeeded" },
      });
    }
    await journal.remove();
    return { restoreId: runId, workloadId: intent.workloadId, outcome: unrecorded ? "succeeded" : "cleaned-up" };
  }
  if (state.up) {
    // The workloads run on final data; only the undo copy is left, saved in the background. A
    // crash right after UP may have come before the run was recorded as up: it succeeded.
    if (await markUpIfUnrecorded(deps.db, runId)) {
      await recordAudit(deps.db, actor, {
        action: "snapshot.restore.recover",
        target: intent.snapshotId,
        outcome: "success",
        detail: { restoreId: runId, outcome: "succeeded" },
      });
    }
    return { restoreId: runId, workloadId: intent.workloadId, outcome: "saving-undo-copy" };
  }
  // Docker may have restarted these containers at boot (restart policy): they must not write into
  // folders being renamed under them. With Docker down they are not running either.
  const stopped = [intent.workloadId, ...stoppedWith(intent, state)];
  for (const workloadId of stopped) {
    await deps.runtime
      .stop({ name: "", workloadId })
      .catch((error: unknown) => deps.log.warn({ err: error, workloadId }, "recovery: stopping a container failed"));
  }
  if (state.undo) {
    // An undo is only ever finished: the old data goes back, the restored data is kept aside.
    for (const [i, vp] of intent.volumes.entries()) await swapBackVolume(vp, i, null);
    await markUndone(deps, intent.restoreId);
  } else if (state.committed) {
    for (const [i, vp] of intent.volumes.entries()) await swapInVolume(vp, i, null);
    crashPoint("recovery-after-forward-swaps");
  } else {
    try {
      for (const vp of intent.volumes) {
        await rollBackVolume(vp);
        crashPoint("recovery-after-volume-rollback");
      }
    } catch (error) {
      // Keep the journal (the next start or `berth recover` retries) and the workload stopped:
      // started now, it would run on a half-restored folder.
      deps.log.warn(
        { err: error, restoreId: intent.restoreId, workloadId: intent.workloadId },
        "recovery: rolling back an interrupted restore failed",
      );
      await markRollbackFailed(deps.db, intent.restoreId);
      await recordAudit(deps.db, actor, {
        action: "snapshot.restore.recover",
        target: intent.snapshotId,
        outcome: "failure",
        detail: { restoreId: intent.restoreId, outcome: "rollback-failed" },
      });
      return { restoreId: intent.restoreId, workloadId: intent.workloadId, outcome: "rollback-failed" };
    }
  }
  crashPoint("recovery-before-redeploy");
  const forward = state.committed;
  const outcome = forward ? "completed-at-boot" : "rolled-back-at-boot";
  const redeployError = await redeployMeantToRun(deps, actor, stopped, runId);
  await markRecovered(deps.db, runId, { forward, redeployFailed: redeployError !== undefined });
  await recordAudit(deps.db, actor, {
    action: "snapshot.restore.recover",
    target: intent.snapshotId,
    outcome: "success",
    detail: { restoreId: runId, workloadId: intent.workloadId, outcome, redeployError },
  });
  if (forward) {
    // Up on the final data: the undo copy is saved next, in the background.
    await journal.append({ type: "UP" });
    return { restoreId: runId, workloadId: intent.workloadId, outcome, redeployError };
  }
  crashPoint("recovery-before-journal-removal");
  await journal.remove();
  return { restoreId: runId, workloadId: intent.workloadId, outcome, redeployError };
}

/** Redeploys under the workload's lock; a failure is logged and comes back path-free. */
async function redeploy(deps: EngineDeps, actor: Actor, workloadId: string, restoreId: string): Promise<string | undefined> {
  try {
    await deps.locks.run(workloadLockKey(workloadId), (lease) => deployUnderLock(deps, actor, lease, workloadId));
  } catch (error) {
    deps.log.warn({ err: error, restoreId, workloadId }, "recovery: redeploy failed");
    return publicMessage(error);
  }
}

/**
 * The workloads a restore stopped (its own and those sharing its folders): each one meant to
 * run comes back, one stopped on purpose (or deleted since) stays as it is.
 */
async function redeployMeantToRun(deps: EngineDeps, actor: Actor, ids: string[], restoreId: string): Promise<string | undefined> {
  let firstError: string | undefined;
  for (const id of ids) {
    const row = await deps.db.workload.findUnique({ where: { id }, select: { desiredState: true } });
    if (row?.desiredState === "running") firstError ??= await redeploy(deps, actor, id, restoreId);
  }
  return firstError;
}

/** Staging and backup dirs with Berth's naming whose restore has no journal any more. */
async function removeStrays(deps: EngineDeps): Promise<void> {
  const live = new Set((await listJournals(deps.dataDir)).map((j) => j.intent?.restoreId).filter(Boolean));
  const parents = new Set<string>();
  for (const row of await deps.db.workload.findMany({ select: { id: true } })) {
    const w = await loadWorkload(deps.db, row.id).catch(() => null);
    if (!w) continue;
    for (const v of await resolveWorkloadVolumes(deps, w).catch(() => [])) if (v.kind === "bind") parents.add(path.dirname(v.hostPath));
  }
  for (const parent of parents) {
    for (const name of await fs.readdir(parent).catch(() => [] as string[])) {
      const match = STRAY.exec(name);
      if (match && !live.has(match[2])) await removeTree(path.join(parent, name));
    }
  }
}
