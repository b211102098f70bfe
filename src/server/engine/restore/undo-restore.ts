import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import type { Actor } from "../actor";
import { recordAudit } from "../audit";
import { badRequest, conflict, DomainError, notFound, type DomainErrorOptions } from "../errors";
import { causeParams, publicFailure, publicMessage } from "../public-error";
import {
  assertNoPendingRestore,
  folderLockKey,
  loadWorkload,
  resolveWorkloadVolumes,
  workloadLockKey,
  workloadsSharing,
} from "../workloads/workloads";
import { crashPoint } from "./crash-points";
import { journalState, listJournals } from "./journal";
import { preRestoreLabel, redeployAffected, restoreSnapshot, stopForSwap, type RestoreResult } from "./restore";
import { createRun, failureDetail, linkUndo, markUndone, phaseClock } from "./restore-runs";
import { pauseUndoCopy, startUndoCopy } from "./undo-copy";
import { swapBackVolume } from "./volume-swap";
import type { EngineDeps } from "~/server/engine/deps";

const justSaved = () =>
  conflict("The undo copy of this restore was just saved; undo again to restore it", { reason: "undo-copy-just-saved" });

export interface UndoRequest {
  workloadId: string;
  restoreRunId: string;
  confirm: string;
}

export type UndoResult = RestoreResult & { method: "swap" | "snapshot" };

/**
 * Undoes the workload's latest restore. While its undo copy is still being saved, the old
 * data waits in the backup folders: it is swapped back in O(1) (stop, two renames per
 * volume, start), and the restored data becomes the undo copy of the undo. Once the copy is
 * saved, the undo is a restore of that pre-restore snapshot.
 */
export async function undoRestore(deps: EngineDeps, actor: Actor, request: UndoRequest): Promise<UndoResult> {
  if (request.confirm !== request.restoreRunId) {
    throw badRequest("To undo, confirm must equal the restore run id", { reason: "undo-confirm" });
  }
  const run = await deps.db.restoreRun.findUnique({ where: { id: request.restoreRunId } });
  if (!run || run.workloadId !== request.workloadId) throw notFound("restoreRun");
  // A failed or rolled-back restore changed nothing: the one to undo is the latest that did.
  const latest = await deps.db.restoreRun.findFirst({
    where: { workloadId: request.workloadId, OR: [{ outcome: null }, { outcome: { notIn: ["failed", "rolled-back-at-boot"] } }] },
    orderBy: { startedAt: "desc" },
    select: { id: true },
  });
  if (latest?.id !== run.id) throw conflict("Only the workload's latest restore can be undone", { reason: "undo-not-latest" });
  if (run.outcome === null) throw conflict("This restore is still running", { reason: "restore-still-running" });
  if (run.outcome !== "succeeded" && run.outcome !== "completed-at-boot") {
    throw badRequest("This restore did not change the data; there is nothing to undo", { reason: "undo-nothing-changed" });
  }
  if (run.undoCopy === "undone") throw badRequest("This restore was undone already", { reason: "undo-done-already" });
  const journal = (await listJournals(deps.dataDir)).find(
    (j) => j.intent?.restoreId === run.id || journalState(j.records).undo?.runId === run.id,
  );
  const state = journal && journalState(journal.records);
  if (journal?.intent?.restoreId === run.id && state?.up && !state.archived && !state.undo) {
    return { ...(await swapBack(deps, actor, run.workloadId, run.id, run.snapshotId)), method: "swap" };
  }
  const copy =
    run.preRestoreSnapshotId && (await deps.db.snapshot.findUnique({ where: { id: run.preRestoreSnapshotId }, select: { id: true } }));
  if (copy) {
    const result = await restoreSnapshot(deps, actor, { workloadId: request.workloadId, snapshotId: copy.id, confirm: copy.id });
    await linkUndo(deps.db, result.restoreRunId, run.id);
    return { ...result, method: "snapshot" };
  }
  if (journal) {
    throw conflict("The undo copy of this restore is being saved; undo again once it is saved", { reason: "undo-copy-being-saved" });
  }
  throw badRequest("This restore kept no copy of the previous data (or it was deleted); there is nothing to undo", {
    reason: "undo-no-copy",
  });
}

async function swapBack(
  deps: EngineDeps,
  actor: Actor,
  workloadId: string,
  restoreId: string,
  restoredSnapshotId: string,
): Promise<RestoreResult> {
  // Claimed before any await, so a second click is refused at once and cannot restart the
  // copy this call pauses.
  deps.restores.claim(workloadId);
  let paused = false;
  try {
    // Saving the undo copy reads (and at its end removes) the folders the swap moves.
    await pauseUndoCopy(deps, restoreId);
    paused = true;
    const found = (await listJournals(deps.dataDir)).find((j) => j.intent?.restoreId === restoreId);
    if (!found?.intent) throw justSaved();
    const intent = found.intent;
    const folders = intent.volumes.map((v) => v.live);
    const sharing = await workloadsSharing(deps, folders, workloadId);
    const ids = [...new Set([workloadId, ...(intent.alsoStopped ?? []), ...sharing.map((w) => w.id)])];
    const keys = [...ids.map(workloadLockKey), ...folders.map(folderLockKey)];
    return await deps.locks.runAll(keys, async (lease) => {
      // Read again under the locks: only this state allows the swap back.
      const journal = (await listJournals(deps.dataDir)).find((j) => j.intent?.restoreId === restoreId);
      const state = journal && journalState(journal.records);
      if (!journal || !state?.up || state.archived || state.undo) throw justSaved();
      await assertNoPendingRestore(deps, workloadId);
      const workload = await loadWorkload(deps.db, workloadId);
      const current = await resolveWorkloadVolumes(deps, workload);
      const stillLive = intent.volumes.every((v) =>
        current.some((c) => c.kind === "bind" && c.target === v.target && c.hostPath === v.live),
      );
      if (!stillLive) {
        throw conflict("This workload's volumes changed since the restore; undo by restoring its pre-restore snapshot once it is saved", {
          reason: "undo-volumes-changed",
        });
      }
      // Another restore (of a workload sharing these folders) may have replaced them since.
      const inodes = await Promise.all(
        intent.volumes.map((v) =>
          fs.stat(v.live, { bigint: true }).then(
            (st) => String(st.ino),
            () => "",
          ),
        ),
      );
      if (state.liveInodes && inodes.some((ino, i) => ino !== state.liveInodes![i])) {
        throw conflict(
          "The restored data was replaced since (another restore of these folders); undo by restoring this restore's pre-restore snapshot once it is saved",
          { reason: "undo-data-replaced" },
        );
      }
      const others = await Promise.all(
        ids.slice(1).flatMap((id) => (id === workloadId ? [] : [loadWorkload(deps.db, id).catch(() => null)])),
      );
      const affected = [workload, ...others.filter((w) => w !== null)];

      const runId = randomUUID();
      const preRestoreSnapshotId = randomUUID();
      const started = Date.now();
      const op = deps.operations.start(runId, workloadId, "restore");
      const restored = await deps.db.snapshot.findUnique({
        where: { id: restoredSnapshotId },
        select: { label: true, kind: true, id: true },
      });
      await createRun(deps.db, {
        id: runId,
        workloadId,
        snapshotId: intent.preRestoreSnapshotId,
        actor: actor.label,
        phase: "stopping",
        preRestoreSnapshotId,
        undoOf: intent.restoreId,
      });
      const clock = phaseClock(deps.db, runId, op);
      const logged = (step: string, error: unknown) => {
        deps.log.warn({ err: error, runId, workloadId }, `undo: ${step} failed`);
        return publicMessage(error);
      };
      let swapping = false;
      try {
        await clock.enter("stopping");
        const { wasRunning, downSince } = await stopForSwap(deps, workload, affected.slice(1), logged);
        await clock.enter("swapping");
        // From here the undo only goes forward: recovery finishes it after a crash.
        swapping = true;
        const label = preRestoreLabel({ kind: "pre-restore", label: restored?.label ?? "", id: restoredSnapshotId });
        await journal.append({
          type: "UNDO",
          runId,
          preRestoreSnapshotId,
          preRestoreLabel: label,
          alsoStopped: affected.slice(1).map((w) => w.config.id),
        });
        crashPoint("undo-after-intent");
        for (const [i, vp] of intent.volumes.entries()) await swapBackVolume(vp, i, journal);
        await markUndone(deps, intent.restoreId);

        await clock.enter("starting");
        const { error: redeployError, firstUpAt } = await redeployAffected(deps, actor, lease, affected, logged);
        crashPoint("undo-after-redeploy");
        await journal.append({ type: "UP" });
        crashPoint("undo-after-up");
        const upAfterMs = Date.now() - started;
        const downtimeMs = wasRunning && firstUpAt !== null ? firstUpAt - downSince : null;
        const keeps = intent.volumes.length > 0;
        await clock.close({
          outcome: "succeeded",
          detail: redeployError ? "redeploy-failed" : null,
          upAfterMs,
          downtimeMs,
          undoCopy: keeps ? "pending" : "none",
          phase: "saving-undo-copy",
        });
        await recordAudit(deps.db, actor, {
          action: "snapshot.restore.undo",
          target: intent.restoreId,
          outcome: "success",
          detail: { workloadId, method: "swap", undoRunId: runId, downtimeMs },
        });
        startUndoCopy(deps, restoreId, op);
        return {
          restoreRunId: runId,
          preRestoreSnapshotId: keeps ? preRestoreSnapshotId : null,
          restored: intent.volumes.map((v) => v.target),
          untouched: current.filter((c) => !intent.volumes.some((v) => v.target === c.target)).map((c) => c.target),
          redeployError,
          strippedSpecialBits: { count: 0, paths: [] },
          upAfterMs,
          downtimeMs,
          undoCopy: keeps ? "pending" : "none",
        };
      } catch (error) {
        // Not yet swapping: nothing moved, the workloads come back as they were. Swapping: the
        // journal holds the undo, and the workloads stay stopped until recovery finishes it.
        if (!swapping) await redeployAffected(deps, actor, lease, affected, logged);
        const cause = publicFailure(error);
        const message = swapping
          ? "The undo was interrupted while swapping the data back; the workload was left stopped. The server finishes it at its next start (or stop it and run `berth recover`)"
          : `The undo failed; nothing was changed (${cause.message})`;
        const because: DomainErrorOptions = swapping
          ? { reason: "undo-interrupted" }
          : { reason: "undo-failed", params: causeParams(cause) };
        // Once swapping, the journal's UNDO names this run and its copy: recovery finishes both.
        await clock.close(
          swapping
            ? { outcome: "failed", detail: "undo-interrupted" }
            : {
                outcome: "failed",
                detail: failureDetail({ message, ...because }),
                phase: "done",
                finishedAt: new Date(),
                durationMs: Date.now() - started,
                preRestoreSnapshotId: null,
              },
        );
        await recordAudit(deps.db, actor, {
          action: "snapshot.restore.undo",
          target: intent.restoreId,
          outcome: "failure",
          detail: { workloadId, message },
        });
        const failure = new DomainError("PRECONDITION_FAILED", message, { cause: error, ...because });
        op.finish(publicFailure(failure));
        throw failure;
      }
    });
  } finally {
    deps.restores.release(workloadId);
    // The copy this call paused goes on (after a swap back: the copy of the restored data);
    // half-swapped folders are left to recovery (saveUndoCopy checks).
    if (paused) startUndoCopy(deps, restoreId);
  }
}
