import { randomUUID } from "node:crypto";
import { once } from "node:events";
import fs from "node:fs/promises";
import { createWriteStream } from "node:fs";
import path from "node:path";
import { finished } from "node:stream/promises";
import type { Actor } from "../actor";
import { ArchiveSourceChangedError, writeSnapshotArchive } from "../archive/archive-writer";
import { audited } from "../audit";
import { DomainError } from "../errors";
import { assertLeaseFor, type LockLease } from "../keyed-lock";
import type { OperationHandle } from "../operations";
import { causeParams, publicFailure } from "../public-error";
import { queueCopiesOf } from "../storage/copy-run";
import { containerRef, workloadLockKey, type LoadedWorkload } from "../workloads/workloads";
import { lastDeployFailure, recordWorkloadEventQuietly } from "../workloads/workload-events";
import { assertSomethingToSnapshot, snapshotCoverage, type SnapshotCoverage } from "./coverage";
import {
  recordSnapshot,
  snapshotDir,
  snapshotFileName,
  snapshotView,
  writeArchiveFile,
  type SnapshotKind,
  type SnapshotView,
} from "./snapshot-store";
import type { EngineDeps } from "~/server/engine/deps";

export interface CaptureRequest {
  workloadId: string;
  label?: string;
  /** stop the containers during capture (and always start them again) */
  quiesce?: boolean;
  kind?: SnapshotKind;
}

// A live capture can race a writer; a second or third pass usually finds the files still.
const LIVE_CAPTURE_ATTEMPTS = 3;

export async function createSnapshot(deps: EngineDeps, actor: Actor, request: CaptureRequest): Promise<SnapshotView> {
  return deps.locks.run(workloadLockKey(request.workloadId), (lease) => captureUnderLock(deps, actor, lease, request));
}

/**
 * Captures the workload's covered volumes into `<dataDir>/snapshots/<workloadId>/<id>.tar.gz`:
 * written as `.tmp`, hashed while written, fsynced, renamed, directory fsynced, and only
 * then recorded. On any failure the `.tmp` is removed, no row exists, and the containers
 * are as they were. The caller holds the workload's lock.
 */
export async function captureUnderLock(deps: EngineDeps, actor: Actor, lease: LockLease, request: CaptureRequest): Promise<SnapshotView> {
  assertLeaseFor(lease, workloadLockKey(request.workloadId));
  // Refused before any work (nothing to snapshot): not an action to audit.
  const { workload, ...coverage } = await snapshotCoverage(deps, request.workloadId);
  assertSomethingToSnapshot(coverage);
  const entry = { action: "snapshot.create", target: request.workloadId };
  // A snapshot saved whose container did not start again is a created snapshot (audited so) and a failed call.
  const { snapshot, restartFailure } = await audited(
    deps,
    actor,
    entry,
    () => capture(deps, actor, request, workload, coverage),
    (result) => ({ target: result.snapshot.id, detail: result.restartFailure ? { restartFailed: true } : undefined }),
  );
  if (restartFailure) throw restartFailure;
  return snapshot;
}

async function capture(
  deps: EngineDeps,
  actor: Actor,
  request: CaptureRequest,
  workload: LoadedWorkload,
  coverage: SnapshotCoverage,
): Promise<{ snapshot: SnapshotView; restartFailure?: DomainError }> {
  const kind = request.kind ?? "manual";

  const id = randomUUID();
  const op = deps.operations.start(id, request.workloadId, "capture");
  const ref = containerRef(workload);
  const wasRunning = (await deps.runtime.inspect(ref).catch(() => ({ state: "unreachable" as const }))).state === "running";
  const stopFirst = Boolean(request.quiesce && wasRunning);
  const finalPath = path.join(snapshotDir(deps.dataDir, request.workloadId), snapshotFileName(id));

  try {
    if (stopFirst) {
      op.progress({ phase: "stopping" });
      await deps.runtime.stop(ref).catch(async (error: unknown) => {
        await recordWorkloadEventQuietly(deps, { workloadId: request.workloadId, kind: "stop", outcome: "failure", actor, error });
        const failure = publicFailure(error);
        throw new DomainError("PRECONDITION_FAILED", `Stopping the container before the snapshot failed: ${failure.message}`, {
          cause: error,
          reason: "snapshot-stop-failed",
          params: causeParams(failure),
        });
      });
    }
    let restartError: unknown;
    let written: Awaited<ReturnType<typeof writeSnapshotArchive>>;
    try {
      written = await writeArchiveFile(deps.dataDir, request.workloadId, id, (tmp) =>
        writeArchive(
          {
            id,
            workloadId: request.workloadId,
            workloadName: workload.config.name,
            kind,
            volumes: coverage.volumes,
            live: !stopFirst && wasRunning,
            op,
          },
          tmp,
        ),
      );
    } finally {
      if (stopFirst) {
        op.progress({ phase: "starting-containers" });
        await deps.runtime.start(ref).catch((error: unknown) => (restartError = error));
        // A failed restart is history the page must show; a good one only when it ends an
        // earlier failure (every quiesced capture would otherwise push deploys out of the kept events).
        if (restartError !== undefined) {
          await recordWorkloadEventQuietly(deps, {
            workloadId: request.workloadId,
            kind: "start",
            outcome: "failure",
            actor,
            error: restartError,
          });
        } else if (await lastDeployFailure(deps.db, request.workloadId).catch(() => null)) {
          await recordWorkloadEventQuietly(deps, { workloadId: request.workloadId, kind: "start", outcome: "success", actor });
        }
      }
    }
    const row = await recordSnapshot(deps.db, {
      id,
      workloadId: request.workloadId,
      label: request.label?.trim() ?? "",
      kind,
      archive: written,
      capturedLive: !stopFirst && wasRunning,
      createdBy: actor.label,
    });
    // Off the host as soon as it exists: the copies run in the background, after this returns.
    await queueCopiesOf(deps, row);
    if (!restartError) {
      op.finish();
      return { snapshot: snapshotView(row) };
    }
    deps.log.warn(
      { err: restartError, workloadId: request.workloadId, snapshotId: id },
      "the container did not start again after a snapshot",
    );
    const cause = publicFailure(restartError);
    const restartFailure = new DomainError(
      "PRECONDITION_FAILED",
      `The snapshot was saved, but the container did not start again: ${cause.message}`,
      {
        cause: restartError,
        reason: "snapshot-restart-failed",
        params: causeParams(cause),
      },
    );
    op.finish(publicFailure(restartFailure));
    return { snapshot: snapshotView(row), restartFailure };
  } catch (error) {
    if (!(await deps.db.snapshot.findUnique({ where: { id } }))) await fs.rm(finalPath, { force: true });
    deps.log.warn({ err: error, workloadId: request.workloadId, snapshotId: id }, "snapshot capture failed");
    op.finish(publicFailure(error));
    if (error instanceof DomainError) throw error;
    const why = captureFailureReason(error);
    throw new DomainError("PRECONDITION_FAILED", `Snapshot failed: ${why.text}`, { cause: error, reason: why.reason });
  }
}

type CaptureFailure =
  | "snapshot-disk-full"
  | "snapshot-quota-exhausted"
  | "snapshot-permission-denied"
  | "snapshot-source-changed"
  | "snapshot-failed";

function captureFailureReason(error: unknown): { reason: CaptureFailure; text: string } {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOSPC") return { reason: "snapshot-disk-full", text: "the disk holding the snapshots is full" };
  if (code === "EDQUOT") return { reason: "snapshot-quota-exhausted", text: "the disk quota for the snapshots is exhausted" };
  if (code === "EACCES" || code === "EPERM") {
    return { reason: "snapshot-permission-denied", text: "permission denied while reading the volumes or writing the snapshot" };
  }
  if (error instanceof ArchiveSourceChangedError) return { reason: "snapshot-source-changed", text: error.message };
  return { reason: "snapshot-failed", text: "an unexpected error occurred (details are in the server log)" };
}

// A pre-restore snapshot (the undo copy) is written while the restored workload runs and the
// old data waits on disk, so speed comes first: level 1 deflates this project's benchmark data
// about 1.5× as fast as level 6 for 3% more bytes. Every other kind gets gzip's default.
const gzipLevelFor = (kind: string) => (kind === "pre-restore" ? 1 : 6);

export interface ArchiveJob {
  id: string;
  workloadId: string;
  workloadName: string;
  kind: SnapshotKind;
  volumes: Parameters<typeof writeSnapshotArchive>[0]["volumes"];
  /** the folders may change while read (a running workload): retry, then fail with advice */
  live: boolean;
  op: OperationHandle;
  signal?: AbortSignal;
}

/** The archive of `job.volumes` into `tmpPath`, retried when a live workload changed files meanwhile. */
export async function writeArchive(job: ArchiveJob, tmpPath: string) {
  for (let attempt = 1; ; attempt++) {
    const output = createWriteStream(tmpPath, { flags: "w", mode: 0o600 });
    try {
      // A file that cannot be created fails here, not as an 'error' event nobody listens to.
      await once(output, "open");
      if (job.kind !== "pre-restore") job.op.progress({ phase: "capturing", attempt: attempt === 1 ? undefined : attempt });
      const result = await writeSnapshotArchive({
        volumes: job.volumes,
        meta: { snapshotId: job.id, workloadId: job.workloadId, workloadName: job.workloadName, createdAt: new Date().toISOString() },
        output,
        gzipLevel: gzipLevelFor(job.kind),
        onProgress: (p) =>
          job.op.progress({ bytesDone: p.bytesDone, bytesTotal: p.bytesTotal, volume: job.volumes[p.volumeIndex]?.target }),
        signal: job.signal,
      });
      if (!output.writableEnded) output.end();
      await finished(output);
      return result;
    } catch (error) {
      output.destroy();
      await fs.rm(tmpPath, { force: true });
      if (!(error instanceof ArchiveSourceChangedError) || !job.live || attempt >= LIVE_CAPTURE_ATTEMPTS) {
        if (error instanceof ArchiveSourceChangedError && job.live) {
          throw new DomainError(
            "CONFLICT",
            `Files kept changing while the workload was running (${error.message}); take the snapshot with "stop containers during capture"`,
            { reason: "files-kept-changing" },
          );
        }
        throw error;
      }
    }
  }
}
