import fs from "node:fs/promises";
import path from "node:path";
import type { Actor } from "../actor";
import { recordAudit } from "../audit";
import { removeTree } from "../remove-tree";
import type { SnapshotDeps } from "../snapshots/capture";
import { deployUnderLock, loadWorkload, resolveWorkloadVolumes, workloadLockKey } from "../workloads/workloads";
import { crashPoint } from "./crash-points";
import { listJournals, type OpenJournal } from "./journal";
import { dropBackup, rollBackVolume, swapInVolume } from "./volume-swap";

export interface RecoveryReport {
  restoreId: string;
  workloadId: string;
  outcome: "rolled-back-at-boot" | "completed-at-boot" | "cleaned-up";
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
  for (const run of await deps.db.restoreRun.findMany({ where: { outcome: null } })) {
    let redeployError: string | undefined;
    await deps.locks
      .run(workloadLockKey(run.workloadId), (lease) => deployUnderLock(deps, actor, lease, run.workloadId))
      .catch((error: unknown) => (redeployError = (error as Error).message));
    const detail = `interrupted during ${run.phase}, before any live data was changed${redeployError ? `; redeploy failed: ${redeployError}` : ""}`;
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
    // Finished and recorded; only the journal (and perhaps a backup) was left.
    for (const vp of intent.volumes) await dropBackup(vp);
    await journal.remove();
    return { restoreId: intent.restoreId, workloadId: intent.workloadId, outcome: "cleaned-up" };
  }
  const committed = types.has("COMMIT");
  if (committed) {
    for (const [i, vp] of intent.volumes.entries()) await swapInVolume(vp, i, null);
    crashPoint("recovery-after-forward-swaps");
    for (const vp of intent.volumes) await dropBackup(vp);
  } else {
    for (const vp of intent.volumes) {
      await rollBackVolume(vp);
      crashPoint("recovery-after-volume-rollback");
    }
  }
  crashPoint("recovery-before-redeploy");
  const outcome = committed ? "completed-at-boot" : "rolled-back-at-boot";
  let redeployError: string | undefined;
  const workloadExists = await deps.db.workload.findUnique({ where: { id: intent.workloadId } });
  if (workloadExists) {
    await deps.locks
      .run(workloadLockKey(intent.workloadId), (lease) => deployUnderLock(deps, actor, lease, intent.workloadId))
      .catch((error: unknown) => (redeployError = (error as Error).message));
  }
  await deps.db.restoreRun.updateMany({
    where: { id: intent.restoreId },
    data: { outcome, phase: "done", finishedAt: new Date(), detail: redeployError ? `redeploy failed: ${redeployError}` : null },
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
