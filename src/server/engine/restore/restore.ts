import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { Actor } from "../actor";
import { extractVerified, fileSpecialBitsFor } from "../archive/verified-extract";
import { audited } from "../audit";
import { notifyAlert } from "../alerts/notify";
import { badRequest, conflict, DomainError } from "../errors";
import type { LockLease } from "../keyed-lock";
import type { OperationHandle } from "../operations";
import { causeParams, publicFailure, publicMessage } from "../public-error";
import { removeTree } from "../remove-tree";
import { prepareBindParent } from "../volumes";
import {
  containerRef,
  deployUnderLock,
  folderLockKey,
  loadWorkload,
  resolveWorkloadVolumes,
  workloadLockKey,
  workloadsSharing,
  type LoadedWorkload,
} from "../workloads/workloads";
import { recordWorkloadEventQuietly } from "../workloads/workload-events";
import { crashPoint } from "./crash-points";
import { FREE_SPACE_MARGIN } from "./free-space";
import { createJournal, listJournals, type VolumePlan } from "./journal";
import { planRestore, type RestorePlan, type RestoreRequest } from "./pre-flight";
import { createRun, failureDetail, phaseClock } from "./restore-runs";
import { startUndoCopy } from "./undo-copy";
import { rollBackVolume, swapInVolume } from "./volume-swap";
import type { EngineDeps } from "~/server/engine/deps";

export interface RestoreResult {
  restoreRunId: string;
  /** the id the undo copy gets once saved in the background; null when there is nothing to keep */
  preRestoreSnapshotId: string | null;
  restored: string[];
  /** current volumes the snapshot does not cover: left exactly as they were */
  untouched: string[];
  redeployError?: string;
  /** Files whose setuid / setgid bits were removed (imported archives nobody vouched for). */
  strippedSpecialBits: { count: number; paths: string[] };
  /** from the start of the restore until the workload ran on the restored data */
  upAfterMs: number;
  /** its container stopped → running again; null when it was not running before */
  downtimeMs: number | null;
  /** pending: saved in the background, Undo swaps the old data back meanwhile; none: nothing to keep */
  undoCopy: "pending" | "none";
}

export const stagingPrefix = (restoreId: string) => `.berth-staging-${restoreId}-`;
export const backupName = (restoreId: string, index: number) => `.berth-backup-${restoreId}-${index}`;
export const undoneName = (restoreId: string, index: number) => `.berth-undone-${restoreId}-${index}`;
// Moved with the verified extract; the bench (scripts/bench/berth-child.ts) reads it from here.
export { ARCHIVE_READ_CHUNK } from "../archive/verified-extract";

/** "before restoring <label>", or "before undoing <label>" for an undo; never nested. */
export function preRestoreLabel(restored: { kind: string; label: string; id: string }): string {
  const base = restored.label.replace(/^(?:before (?:restoring|undoing) )+/, "") || restored.id.slice(0, 8);
  return `${restored.kind === "pre-restore" ? "before undoing" : "before restoring"} ${base}`.slice(0, 100);
}

/**
 * Restores a snapshot onto the workload's current volumes (DESIGN.md, "Restore protocol"):
 * staged while the workload runs, then stopped, swapped and started again; returns once it
 * is up. The undo copy of the replaced data is saved in the background (undo-copy.ts).
 */
export async function restoreSnapshot(deps: EngineDeps, actor: Actor, request: RestoreRequest): Promise<RestoreResult> {
  if (request.confirm !== request.snapshotId) {
    throw badRequest("To restore, confirm must equal the snapshot id", { reason: "restore-confirm" });
  }
  deps.restores.claim(request.workloadId);
  try {
    const plan = await planRestore(deps, request);
    const entry = { action: auditAction(plan.row.kind), target: request.snapshotId, detail: { workloadId: request.workloadId } };
    return await alertingOutcome(deps, request.workloadId, () =>
      audited(
        deps,
        actor,
        entry,
        () => runRestore(deps, actor, request, plan),
        (result) => ({
          detail: { restoreRunId: result.restoreRunId, downtimeMs: result.downtimeMs },
        }),
      ),
    );
  } finally {
    deps.restores.release(request.workloadId);
  }
}

/** Tells the alert targets how a restore ended (failures; successes for those that asked). */
async function alertingOutcome(deps: EngineDeps, workloadId: string, restore: () => Promise<RestoreResult>): Promise<RestoreResult> {
  const workload = await deps.db.workload.findUnique({ where: { id: workloadId }, select: { id: true, name: true } });
  const about = { workload: workload ?? undefined, at: new Date() };
  try {
    const result = await restore();
    notifyAlert(deps, { ...about, event: "restore-succeeded", runId: result.restoreRunId, message: "Snapshot restored" });
    return result;
  } catch (error) {
    const failure = publicFailure(error);
    notifyAlert(deps, {
      ...about,
      event: "restore-failed",
      message: `Restore failed: ${failure.message}`,
      reason: failure.reason ?? "unexpected",
      params: failure.params,
    });
    throw error;
  }
}

async function runRestore(deps: EngineDeps, actor: Actor, request: RestoreRequest, plan: RestorePlan): Promise<RestoreResult> {
  const restoreId = randomUUID();
  const preRestoreSnapshotId = randomUUID();
  const started = Date.now();
  const op = deps.operations.start(restoreId, request.workloadId, "restore", plan.bytesTotal);
  await createRun(deps.db, {
    id: restoreId,
    workloadId: request.workloadId,
    snapshotId: request.snapshotId,
    actor: actor.label,
    phase: "staging",
    preRestoreSnapshotId,
  });
  const clock = phaseClock(deps.db, restoreId, op);
  const volumePlans: VolumePlan[] = [];
  const fail = async (error: unknown, how: { committed: boolean; rollbackFailed: boolean }) => {
    // What the user (and the RestoreRun, which viewers read) sees is path-free; the cause is logged.
    // After COMMIT the snapshot's data is live: the run succeeded, only its cleanup did not.
    const failure = how.committed
      ? afterCommitFailure(error)
      : how.rollbackFailed
        ? rollbackFailure(error)
        : error instanceof DomainError
          ? error
          : unexpectedFailure(error);
    const detail = how.committed ? "finish-failed" : how.rollbackFailed ? "rollback-failed" : failureDetail(failure);
    // Committed, the run goes on: recovery (or the undo copy) finishes it.
    await clock.close(
      how.committed
        ? { outcome: "succeeded", detail }
        : {
            outcome: "failed",
            detail,
            phase: "done",
            finishedAt: new Date(),
            durationMs: Date.now() - started,
            preRestoreSnapshotId: null,
          },
    );
    op.finish(publicFailure(failure));
    return failure;
  };

  let staged: Awaited<ReturnType<typeof stage>>;
  let sharing: { id: string }[];
  const folders = plan.volumes.map((v) => v.live);
  try {
    await clock.enter("staging");
    sharing = await workloadsSharing(deps, folders, request.workloadId);
    const targets = new Map<number, string>();
    for (const v of plan.volumes) {
      // Created one component at a time, following no link: nothing a container writes is on the way.
      const parent = await prepareBindParent(v.resolved);
      const stagedDir = await fs.mkdtemp(path.join(parent, stagingPrefix(restoreId)));
      const liveAbsent = await fs.lstat(v.live).then(
        () => false,
        (error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? true : Promise.reject(error)),
      );
      volumePlans.push({
        target: v.target,
        live: v.live,
        staged: stagedDir,
        backup: path.join(parent, backupName(restoreId, v.index)),
        undone: path.join(parent, undoneName(restoreId, v.index)),
        liveAbsent,
        index: v.index,
        scope: v.resolved.scope,
        source: v.resolved.source,
      });
      targets.set(v.index, stagedDir);
    }
    staged = await stage(plan, targets, op);
    crashPoint("after-staging");
  } catch (error) {
    // Nothing but staging was touched, and the workload never stopped.
    await Promise.allSettled(volumePlans.map((vp) => removeTree(vp.staged)));
    deps.log.warn({ err: error, restoreId, workloadId: request.workloadId }, "restore: staging failed");
    const failure = await fail(error, { committed: false, rollbackFailed: false });
    await recordWorkloadEventQuietly(deps, { workloadId: request.workloadId, kind: "restore", outcome: "failure", actor, error: failure });
    throw failure;
  }

  // The deploy locks of this workload and of every other one that mounts a folder the restore
  // replaces: deploys in progress finish first, none starts until the swap is done, and since
  // every operation on a folder runs under the lock of a workload that mounts it, nothing
  // else touches these folders meanwhile.
  const keys = [...[request.workloadId, ...sharing.map((w) => w.id)].map(workloadLockKey), ...folders.map(folderLockKey)];
  return deps.locks.runAll(keys, async (lease) => {
    let stopped: LoadedWorkload[] = [];
    let committed = false;
    let redeployed = false;
    let up = false;
    const logged = (step: string, error: unknown) => {
      deps.log.warn({ err: error, restoreId, workloadId: request.workloadId }, `restore: ${step} failed`);
      return publicMessage(error);
    };
    try {
      const now = await workloadsSharing(deps, folders, request.workloadId);
      if (now.some((w) => !lease.keys.has(workloadLockKey(w.id)))) {
        throw conflict("Another workload started using these folders while the restore staged; nothing was changed, try again", {
          reason: "restore-folders-in-use",
        });
      }
      // The config may have changed while staging (volumes, or a stop the redeploy must respect).
      const workload = await loadWorkload(deps.db, request.workloadId);
      const current = await resolveWorkloadVolumes(deps, workload);
      const liveNow = (target: string) => current.flatMap((c) => (c.kind === "bind" && c.target === target ? [c.hostPath] : []))[0];
      if (plan.volumes.some((v) => liveNow(v.target) !== v.live)) {
        throw conflict("This workload's volumes changed while the restore staged; nothing was changed, try again", {
          reason: "restore-volumes-changed",
        });
      }
      const others = await Promise.all(now.map((w) => loadWorkload(deps.db, w.id)));

      await clock.enter("stopping");
      stopped = [workload, ...others];
      const { wasRunning, downSince } = await stopForSwap(deps, workload, others, logged);
      crashPoint("after-stop");

      await clock.enter("swapping");
      const journal = await createJournal(deps.dataDir, {
        type: "INTENT",
        version: 2,
        restoreId,
        workloadId: request.workloadId,
        snapshotId: request.snapshotId,
        preRestoreSnapshotId,
        preRestoreLabel: preRestoreLabel(plan.row),
        volumes: volumePlans,
        alsoStopped: others.map((w) => w.config.id),
      });
      crashPoint("after-intent");
      for (const [i, vp] of volumePlans.entries()) await swapInVolume(vp, i, journal);
      const liveInodes = await Promise.all(volumePlans.map((vp) => fs.stat(vp.live, { bigint: true }).then((st) => String(st.ino))));
      await journal.append({ type: "COMMIT", liveInodes });
      committed = true;
      crashPoint("after-commit");

      await clock.enter("starting");
      const { error: redeployError, firstUpAt } = await redeployAffected(deps, actor, lease, stopped, logged);
      redeployed = true;
      crashPoint("after-redeploy");
      await journal.append({ type: "UP" });
      up = true;
      crashPoint("after-up");

      const upAfterMs = Date.now() - started;
      const downtimeMs = wasRunning && firstUpAt !== null ? firstUpAt - downSince : null;
      const undoCopy = volumePlans.some((vp) => !vp.liveAbsent) ? "pending" : "none";
      await clock.close({
        outcome: "succeeded",
        detail: redeployError ? "redeploy-failed" : null,
        upAfterMs,
        downtimeMs,
        undoCopy,
        phase: "saving-undo-copy",
      });
      startUndoCopy(deps, restoreId, op);
      await recordWorkloadEventQuietly(deps, { workloadId: request.workloadId, kind: "restore", outcome: "success", actor });
      return {
        restoreRunId: restoreId,
        preRestoreSnapshotId: undoCopy === "pending" ? preRestoreSnapshotId : null,
        restored: volumePlans.map((v) => v.target),
        untouched: plan.untouched,
        redeployError,
        strippedSpecialBits: staged.strippedSpecialBits,
        upAfterMs,
        downtimeMs,
        undoCopy,
      };
    } catch (error) {
      deps.log.warn({ err: error, restoreId, workloadId: request.workloadId, committed }, "restore failed");
      let rollbackFailed = false;
      // Committed but failed before the redeploy: the new data is live, so the workloads come back on it.
      if (committed && !redeployed) await redeployAffected(deps, actor, lease, stopped, logged);
      if (!committed) {
        // Not committed: put every volume back as it was, then bring the stopped workloads back up.
        const rollbacks = await Promise.allSettled(volumePlans.map((vp) => rollBackVolume(vp)));
        for (const r of rollbacks) if (r.status === "rejected") logged("rollback", r.reason);
        rollbackFailed = rollbacks.some((r) => r.status === "rejected");
        // A failed rollback keeps its journal for boot recovery (or `berth recover`) to retry, and
        // the workload stays stopped: started now, it would run on a half-restored folder.
        if (!rollbackFailed) {
          for (const j of await listJournals(deps.dataDir)) if (j.intent?.restoreId === restoreId) await j.remove();
          await redeployAffected(deps, actor, lease, stopped, logged);
        }
      }
      const failure = await fail(error, { committed, rollbackFailed });
      // Not committed and put back: the workload runs on its previous data again.
      const outcome = !committed && !rollbackFailed ? "rolled-back" : "failure";
      await recordWorkloadEventQuietly(deps, { workloadId: request.workloadId, kind: "restore", outcome, actor, error: failure });
      // Up on the restored data: the replaced data still deserves its undo copy.
      if (up) startUndoCopy(deps, restoreId);
      throw failure;
    }
  });
}

/** The archive verified and extracted into the staging dirs (archive/verified-extract.ts); on a throw the caller removes them. */
function stage(plan: RestorePlan, targets: Map<number, string>, op: OperationHandle) {
  return extractVerified(plan.file, plan.row.sha256, {
    targets,
    fileSpecialBits: fileSpecialBitsFor(plan.row),
    minFree: FREE_SPACE_MARGIN,
    onProgress: (p) =>
      op.progress({
        bytesDone: p.bytesDone,
        bytesTotal: plan.bytesTotal,
        volume: plan.volumes.find((v) => v.index === p.volumeIndex)?.target,
      }),
  });
}

/**
 * Stops the workloads that share the folders, then the restored one (its downtime starts with
 * its own stop). Returns whether it was running, and when it stopped.
 */
export async function stopForSwap(
  deps: EngineDeps,
  workload: LoadedWorkload,
  others: LoadedWorkload[],
  logged: (step: string, error: unknown) => string,
) {
  const wasRunning = (await deps.runtime.inspect(containerRef(workload)).catch(() => ({ state: "unreachable" }))).state === "running";
  for (const w of [...others, workload]) {
    await deps.runtime.stop(containerRef(w)).catch((error: unknown) => {
      throw new DomainError("PRECONDITION_FAILED", `Stopping the container of ${w.config.name} failed: ${logged("stop", error)}`, {
        cause: error,
        reason: "restore-stop-failed",
        params: { ...causeParams(publicFailure(error)), name: w.config.name },
      });
    });
  }
  return { wasRunning, downSince: Date.now() };
}

/**
 * Brings back every workload the restore stopped, the restored one first, in the order given; one that was meant to
 * be stopped stays stopped. Returns the first failure's client-safe message and when the
 * first of them (the restored workload) was running again (null: it was not started).
 */
export async function redeployAffected(
  deps: EngineDeps,
  actor: Actor,
  lease: LockLease,
  affected: LoadedWorkload[],
  logged: (step: string, error: unknown) => string,
): Promise<{ error?: string; firstUpAt: number | null }> {
  let error: string | undefined;
  let firstUpAt: number | null = null;
  for (const [i, w] of affected.entries()) {
    if (w.config.desiredState !== "running") continue;
    try {
      await deployUnderLock(deps, actor, lease, w.config.id);
      if (i === 0) firstUpAt = Date.now();
      // Up again: an older deploy failure is no longer what the page should say.
      await recordWorkloadEventQuietly(deps, { workloadId: w.config.id, kind: "deploy", outcome: "success", actor });
    } catch (e) {
      error ??= `${w.config.name}: ${logged("redeploy", e)}`;
      // The restore's own outcome is recorded apart; this says why the container is not up.
      await recordWorkloadEventQuietly(deps, { workloadId: w.config.id, kind: "deploy", outcome: "failure", actor, error: e });
    }
  }
  return { error, firstUpAt };
}

function afterCommitFailure(error: unknown): DomainError {
  return new DomainError(
    "PRECONDITION_FAILED",
    `The snapshot's data was restored and is live, but finishing the restore failed (${publicMessage(error)}); the server completes it at its next start`,
    { cause: error, reason: "restore-finish-failed", params: causeParams(publicFailure(error)) },
  );
}

function rollbackFailure(error: unknown): DomainError {
  return new DomainError(
    "PRECONDITION_FAILED",
    "The restore failed, and putting the previous data back failed too; the workload was left stopped. The server retries at its next start (or stop it and run `berth recover`)",
    { cause: error, reason: "restore-rollback-failed" },
  );
}

function unexpectedFailure(error: unknown): DomainError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOSPC" || code === "EDQUOT") {
    return new DomainError("PRECONDITION_FAILED", "The disk filled up during the restore; the live data was left as it was", {
      cause: error,
      reason: "restore-disk-filled",
    });
  }
  return new DomainError("PRECONDITION_FAILED", "The restore failed; the live data was left as it was (details are in the server log)", {
    cause: error,
    reason: "restore-failed",
  });
}

// Restoring a pre-restore snapshot is how the UI undoes a restore.
const auditAction = (kind: string) => (kind === "pre-restore" ? "snapshot.restore.undo" : "snapshot.restore");
