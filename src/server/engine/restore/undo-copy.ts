import fs from "node:fs/promises";
import { systemActor } from "../actor";
import { recordAudit } from "../audit";
import type { OperationHandle } from "../operations";
import { publicFailure } from "../public-error";
import { writeArchive } from "../snapshots/capture";
import { deleteSnapshot, recordSnapshot, writeArchiveFile } from "../snapshots/snapshot-store";
import { crashPoint } from "./crash-points";
import { journalState, listJournals, type OpenJournal } from "./journal";
import { markUndoCopyFailed, markUndoCopySaved, phaseClock } from "./restore-runs";
import { removeLeftovers } from "./volume-swap";
import type { EngineDeps } from "~/server/engine/deps";

/**
 * The background half of a restore. After the swap the replaced data sits in backup folders
 * nothing uses, so archiving them needs no downtime: that archive is the undo copy (a
 * `pre-restore` snapshot). Only once it is durable and recorded (ARCHIVED) do the folders go,
 * then DONE. Until then an undo is an O(1) swap back, which first stops this task.
 */

/** Starts saving the undo copy of a restore whose workloads are up again; not awaited. */
export function startUndoCopy(deps: EngineDeps, restoreId: string, op?: OperationHandle): void {
  const tasks = deps.restores.undoCopies;
  if (tasks.has(restoreId)) return;
  const controller = new AbortController();
  // After the current call stack: a caller that pauses at once (an undo right after the restore) wins.
  const done = new Promise<void>((resolve) => setImmediate(resolve))
    .then(() => saveUndoCopy(deps, restoreId, controller.signal, op))
    .finally(() => tasks.delete(restoreId));
  tasks.set(restoreId, { controller, done });
}

/** Stops saving a restore's undo copy, for an undo that needs its folders as they are; resolves once stopped. */
export function pauseUndoCopy(deps: EngineDeps, restoreId: string): Promise<void> {
  const task = deps.restores.undoCopies.get(restoreId);
  task?.controller.abort();
  return task?.done ?? Promise.resolve();
}

/** Every journaled restore whose workloads are up: its undo copy is (re)started. */
export async function resumeUndoCopies(deps: EngineDeps): Promise<void> {
  for (const journal of await listJournals(deps.dataDir)) {
    const state = journalState(journal.records);
    if (journal.intent && (state.up || state.done)) startUndoCopy(deps, journal.intent.restoreId);
  }
}

async function saveUndoCopy(deps: EngineDeps, restoreId: string, signal: AbortSignal, op?: OperationHandle): Promise<void> {
  if (signal.aborted) return op?.finish();
  const journal = (await listJournals(deps.dataDir)).find((j) => j.intent?.restoreId === restoreId);
  const intent = journal?.intent;
  const state = journal && journalState(journal.records);
  // Half-swapped folders (a crash, or a failed undo) are recovery's to finish, never archived.
  if (!journal || !intent || !state || !(state.up || state.done)) return op?.finish();
  // After an undo the restored data moved to the `undone` folders: they are what is kept.
  const runId = state.undo?.runId ?? intent.restoreId;
  const handle = op ?? deps.operations.start(runId, intent.workloadId, "restore");
  const clock = phaseClock(deps.db, runId, handle);
  try {
    let archived = journal.records.findLast((r) => r.type === "ARCHIVED");
    if (!state.archived) {
      await clock.enter("saving-undo-copy");
      archived = { type: "ARCHIVED", snapshotId: await archiveFolders(deps, journal, runId, handle, signal) };
      await journal.append(archived);
      crashPoint("after-archived");
    }
    // Also when resumed after a crash that came between ARCHIVED and this record. A journal of an
    // older version took its copy before the swap.
    const saved = archived?.type === "ARCHIVED" ? archived.snapshotId !== null : intent.version !== 2 && intent.preRestoreSnapshotId !== "";
    await markUndoCopySaved(deps.db, runId, saved);
    await clock.enter("removing-old-data");
    for (const v of intent.volumes) await removeLeftovers(v);
    crashPoint("after-backup-removal");
    await journal.append({ type: "DONE" });
    crashPoint("after-done-record");
    const run = await deps.db.restoreRun.findUnique({ where: { id: runId }, select: { startedAt: true } });
    await clock.close({ phase: "done", finishedAt: new Date(), durationMs: run ? Date.now() - run.startedAt.getTime() : null });
    crashPoint("after-done");
    await journal.remove();
    // Before the end is announced: screens refresh the snapshot list on it.
    await prunePreRestoreSnapshots(deps, intent.workloadId);
    handle.finish();
  } catch (error) {
    if (signal.aborted) return handle.finish();
    // The folders stay (they are the only copy of the old data); the next start tries again.
    deps.log.warn({ err: error, restoreId }, "restore: saving the undo copy failed; the replaced data is kept beside the volumes");
    await markUndoCopyFailed(deps.db, runId);
    handle.finish(publicFailure(error));
  }
}

/**
 * The kept folders as the `pre-restore` snapshot with the id the journal names, durable and
 * recorded; null when there was nothing to keep (every volume's folder was new).
 * A row recorded before a crash (ARCHIVED not yet written) is taken as it is.
 */
async function archiveFolders(
  deps: EngineDeps,
  journal: OpenJournal,
  runId: string,
  op: OperationHandle,
  signal: AbortSignal,
): Promise<string | null> {
  const intent = journal.intent!;
  const undo = journalState(journal.records).undo;
  const id = undo?.preRestoreSnapshotId ?? intent.preRestoreSnapshotId;
  if (await deps.db.snapshot.findUnique({ where: { id }, select: { id: true } })) return id;
  const volumes = intent.volumes.flatMap((v, i) =>
    undo || !v.liveAbsent
      ? [
          {
            index: v.index ?? i,
            target: v.target,
            scope: v.scope ?? "stage",
            source: v.source ?? "",
            hostPath: undo ? v.undone! : v.backup,
          },
        ]
      : [],
  );
  const present: typeof volumes = [];
  for (const v of volumes) if (await isDirectory(v.hostPath)) present.push({ ...v, index: present.length });
  if (present.length === 0) return null;
  const workload = await deps.db.workload.findUnique({ where: { id: intent.workloadId }, select: { name: true } });
  const run = await deps.db.restoreRun.findUnique({ where: { id: runId }, select: { actor: true } });
  const progress: OperationHandle = {
    ...op,
    progress: (update) => {
      if (update.bytesDone) crashPoint("undo-copy-during-archive");
      op.progress(update);
    },
  };
  const written = await writeArchiveFile(deps.dataDir, intent.workloadId, id, (tmp) =>
    writeArchive(
      {
        id,
        workloadId: intent.workloadId,
        workloadName: workload?.name ?? intent.workloadId,
        kind: "pre-restore",
        volumes: present,
        live: false,
        op: progress,
        signal,
      },
      tmp,
    ),
  );
  crashPoint("undo-copy-after-file");
  await recordSnapshot(deps.db, {
    id,
    workloadId: intent.workloadId,
    label: undo?.preRestoreLabel ?? intent.preRestoreLabel ?? "",
    kind: "pre-restore",
    archive: written,
    capturedLive: false,
    createdBy: run?.actor ?? "berth",
  });
  crashPoint("undo-copy-after-row");
  await recordAudit(deps.db, systemActor("berth:restore"), {
    action: "snapshot.preRestore",
    target: id,
    outcome: "success",
    detail: { restoreRunId: runId, actor: run?.actor },
  });
  return id;
}

const isDirectory = (p: string) =>
  fs.lstat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );

/**
 * Keeps the newest `preRestoreKeep` pre-restore snapshots of the workload, and every pinned
 * one; the rest go. Not while a restore of the workload runs (it may be restoring one of them).
 */
export async function prunePreRestoreSnapshots(deps: EngineDeps, workloadId: string): Promise<string[]> {
  if (deps.restores.isRunning(workloadId)) return [];
  const rows = await deps.db.snapshot.findMany({
    where: { workloadId, kind: "pre-restore" },
    orderBy: { createdAt: "desc" },
    select: { id: true, pinned: true },
  });
  const doomed = rows.slice(deps.preRestoreKeep).filter((r) => !r.pinned);
  for (const row of doomed) {
    await deleteSnapshot(deps, systemActor("berth:pre-restore-retention"), row.id).catch((error: unknown) =>
      deps.log.warn({ err: error, snapshotId: row.id }, "pruning an old pre-restore snapshot failed"),
    );
  }
  return doomed.map((r) => r.id);
}
