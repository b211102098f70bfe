import fs from "node:fs/promises";
import path from "node:path";
import type { Actor } from "../actor";
import { recordAudit } from "../audit";
import { publicMessage } from "../public-error";
import { removeTree } from "../remove-tree";
import type { SnapshotDeps } from "../snapshots/capture";
import { deployUnderLock, loadWorkload, resolveWorkloadVolumes, workloadLockKey, workloadsSharing } from "../workloads/workloads";
import { crashPoint } from "./crash-points";
import { listJournals, type OpenJournal } from "./journal";
import { dropBackup, rollBackVolume, swapInVolume } from "./volume-swap";

export interface RecoveryReport {
  restoreId: string;
  workloadId: string;
  outcome: "rolled-back-at-boot" | "completed-at-boot" | "succeeded" | "rollback-failed" | "cleaned-up";
  redeployError?: string;
}

const STRAY = /^\.berth-(staging|backup)-([0-9a-f-]{36})-/;

/**
 * Finishes what crashed restores left, before the server serves anything: a journal without
 * COMMIT is rolled back (every backup put back), one with COMMIT is rolled forward (the
 * remaining swaps done). Every step checks the filesystem before acting, so recovery can
 * itself be killed at any point and run again. Then the workload is redeployed and the
 * outcome recorded on its RestoreRun.
 */
export async function recoverInterruptedRestores(deps: SnapshotDeps, actor: Actor): Promise<RecoveryReport[]> {
  const reports: RecoveryReport[] = [];
  for (const journal of await listJournals(deps.dataDir)) {
    reports.push(await recoverOne(deps, actor, journal));
  }
  await removeStrays(deps);
  reports.push(...(await closeRunsWithoutJournal(deps, actor)));
  return reports;
}

/**
 * A restore that died before its journal existed changed no live data, but it may have
 * stopped the containers: record how it ended and bring the workload back.
 */
async function closeRunsWithoutJournal(deps: SnapshotDeps, actor: Actor): Promise<RecoveryReport[]> {
  const reports: RecoveryReport[] = [];
  // A journal still here is one whose rollback failed: its workload stays stopped.
  const journaled = (await listJournals(deps.dataDir)).map((j) => j.intent?.restoreId ?? "");
  for (const run of await deps.db.restoreRun.findMany({ where: { outcome: null, id: { notIn: journaled } } })) {
    // Without a journal the restore's list of stopped siblings is lost: the workloads that share
    // the folders now are the ones it stopped.
    const w = await loadWorkload(deps.db, run.workloadId).catch(() => null);
    const folders = w ? (await resolveWorkloadVolumes(deps, w).catch(() => [])).flatMap((v) => (v.kind === "bind" ? [v.hostPath] : [])) : [];
    // Best effort: with Docker down the containers are down too, and boot must not fail on it.
    const siblings = folders.length > 0 ? (await workloadsSharing(deps, folders, run.workloadId, "best-effort")).map((s) => s.id) : [];
    const redeployError = await redeployMeantToRun(deps, actor, [run.workloadId, ...siblings], run.id);
    const detail = redeployError ? "redeploy-failed" : null;
    await deps.db.restoreRun.update({ where: { id: run.id }, data: { outcome: "rolled-back-at-boot", phase: "done", finishedAt: new Date(), detail } });
    await recordAudit(deps.db, actor, { action: "snapshot.restore.recover", target: run.snapshotId, outcome: "success", detail: { restoreId: run.id, outcome: "rolled-back-at-boot" } });
    reports.push({ restoreId: run.id, workloadId: run.workloadId, outcome: "rolled-back-at-boot", redeployError });
  }
  return reports;
}

async function recoverOne(deps: SnapshotDeps, actor: Actor, journal: OpenJournal): Promise<RecoveryReport> {
  const intent = journal.intent;
  if (!intent) {
    // Torn before its INTENT was durable: no rename can have happened. Strays go below.
    await journal.remove();
    return { restoreId: path.basename(journal.path, ".journal"), workloadId: "", outcome: "cleaned-up" };
  }
  const types = new Set(journal.records.map((r) => r.type));
  if (types.has("DONE")) {
    // Everything was done, redeploy included; a crash may have come before the run was
    // recorded as finished, and then it is recorded here: it succeeded.
    for (const vp of intent.volumes) await dropBackup(vp);
    const unrecorded = await deps.db.restoreRun.updateMany({
      where: { id: intent.restoreId, outcome: null },
      data: { outcome: "succeeded", phase: "done", finishedAt: new Date() },
    });
    if (unrecorded.count > 0) {
      await recordAudit(deps.db, actor, { action: "snapshot.restore.recover", target: intent.snapshotId, outcome: "success", detail: { restoreId: intent.restoreId, outcome: "succeeded" } });
    }
    await journal.remove();
    return { restoreId: intent.restoreId, workloadId: intent.workloadId, outcome: unrecorded.count > 0 ? "succeeded" : "cleaned-up" };
  }
  // Docker may have restarted these containers at boot (restart policy): they must not write into
  // folders being renamed under them. With Docker down they are not running either.
  for (const workloadId of [intent.workloadId, ...(intent.alsoStopped ?? [])]) {
    await deps.runtime.stop({ name: "", workloadId }).catch((error: unknown) => deps.log.warn({ err: error, workloadId }, "recovery: stopping a container failed"));
  }
  const committed = types.has("COMMIT");
  if (committed) {
    for (const [i, vp] of intent.volumes.entries()) await swapInVolume(vp, i, null);
    crashPoint("recovery-after-forward-swaps");
    for (const vp of intent.volumes) await dropBackup(vp);
  } else {
    try {
      for (const vp of intent.volumes) {
        await rollBackVolume(vp);
        crashPoint("recovery-after-volume-rollback");
      }
    } catch (error) {
      // Keep the journal (the next start or `berth recover` retries) and the workload stopped:
      // started now, it would run on a half-restored folder.
      deps.log.warn({ err: error, restoreId: intent.restoreId, workloadId: intent.workloadId }, "recovery: rolling back an interrupted restore failed");
      await deps.db.restoreRun.updateMany({ where: { id: intent.restoreId }, data: { outcome: "failed", phase: "done", finishedAt: new Date(), detail: "rollback-failed" } });
      await recordAudit(deps.db, actor, { action: "snapshot.restore.recover", target: intent.snapshotId, outcome: "failure", detail: { restoreId: intent.restoreId, outcome: "rollback-failed" } });
      return { restoreId: intent.restoreId, workloadId: intent.workloadId, outcome: "rollback-failed" };
    }
  }
  crashPoint("recovery-before-redeploy");
  const outcome = committed ? "completed-at-boot" : "rolled-back-at-boot";
  const redeployError = await redeployMeantToRun(deps, actor, [intent.workloadId, ...(intent.alsoStopped ?? [])], intent.restoreId);
  await deps.db.restoreRun.updateMany({
    // A run the restore itself recorded as succeeded (its cleanup failed after COMMIT) stays so.
    where: { id: intent.restoreId, OR: [{ outcome: null }, { outcome: { not: "succeeded" } }] },
    data: { outcome, phase: "done", finishedAt: new Date(), detail: redeployError ? "redeploy-failed" : null },
  });
  await recordAudit(deps.db, actor, {
    action: "snapshot.restore.recover",
    target: intent.snapshotId,
    outcome: "success",
    detail: { restoreId: intent.restoreId, workloadId: intent.workloadId, outcome, redeployError },
  });
  crashPoint("recovery-before-journal-removal");
  await journal.remove();
  return { restoreId: intent.restoreId, workloadId: intent.workloadId, outcome, redeployError };
}

/** Redeploys under the workload's lock; a failure is logged and comes back path-free. */
async function redeploy(deps: SnapshotDeps, actor: Actor, workloadId: string, restoreId: string): Promise<string | undefined> {
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
async function redeployMeantToRun(deps: SnapshotDeps, actor: Actor, ids: string[], restoreId: string): Promise<string | undefined> {
  let firstError: string | undefined;
  for (const id of ids) {
    const row = await deps.db.workload.findUnique({ where: { id }, select: { desiredState: true } });
    if (row?.desiredState === "running") firstError ??= await redeploy(deps, actor, id, restoreId);
  }
  return firstError;
}

/** Staging and backup dirs with Berth's naming whose restore has no journal any more. */
async function removeStrays(deps: SnapshotDeps): Promise<void> {
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
