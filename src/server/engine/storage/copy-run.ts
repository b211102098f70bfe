import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import type { Snapshot, SnapshotCopy, StorageTarget } from "~/generated/prisma/client";
import { encodeReason } from "~/shared/encoded-reason";
import type { Actor } from "../actor";
import { notifyAlert } from "../alerts/notify";
import { audited } from "../audit";
import type { EngineDeps } from "../deps";
import { badRequest, DomainError, notFound } from "../errors";
import { publicFailure } from "../public-error";
import { ARCHIVE_READ_CHUNK } from "../archive/verified-extract";
import { snapshotFilePath } from "../snapshots/snapshot-store";
import { copyView, type CopyView } from "./copy-views";
import { pruneRemoteCopies } from "./remote-retention";
import { remoteArchiveName, remoteSidecarName, type StorageBackend } from "./storage-backend";
import { recordTargetCheck } from "./storage-targets";
import { getStorageTargetRow, withTarget } from "./target-settings";

/** What a target holds beside each archive, so a new install can list and import it (remote-archives.ts). */
export interface RemoteSidecar {
  format: "berth-copy";
  version: 1;
  snapshotId: string;
  workloadId: string;
  workloadName: string;
  label: string;
  kind: string;
  createdAt: string;
  size: number;
  sha256: string;
}

/**
 * Queues a copy of the snapshot to each target (the workload's copy policy when none are
 * given). A copy already verified is left alone; a failed, corrupt or missing one starts
 * afresh. Pre-restore snapshots are never copied: they are this host's undo, not a backup.
 */
export async function queueCopies(deps: EngineDeps, snapshot: Snapshot, targetIds?: string[]): Promise<number> {
  if (snapshot.kind === "pre-restore") return 0;
  const ids = targetIds ?? (await deps.db.copyRule.findMany({ where: { workloadId: snapshot.workloadId } })).map((r) => r.targetId);
  const now = deps.clock.now();
  let queued = 0;
  for (const targetId of ids) {
    const fresh = { state: "queued", attempts: 0, nextAttemptAt: now, detail: null };
    // Only a copy that is not good (or not there) starts afresh; the condition is in the write, so two calls at once queue it once.
    const { count } = await deps.db.snapshotCopy.updateMany({
      where: { snapshotId: snapshot.id, targetId, state: { in: ["failed", "corrupt", "missing"] } },
      data: fresh,
    });
    if (count === 0) {
      // Already there (queued, copying or verified): the unique (snapshot, target) refuses a second row.
      const created = await deps.db.snapshotCopy
        .create({
          data: {
            ...fresh,
            targetId,
            snapshotId: snapshot.id,
            workloadId: snapshot.workloadId,
            remoteName: remoteArchiveName(snapshot.id),
            size: snapshot.size,
            sha256: snapshot.sha256,
            kind: snapshot.kind,
            label: snapshot.label,
            snapshotCreatedAt: snapshot.createdAt,
          },
        })
        .then(
          () => ({ count: 1 }),
          (error: { code?: string }) => (error.code === "P2002" ? { count: 0 } : Promise.reject(error)),
        );
      if (created.count === 0) continue;
    }
    queued += 1;
  }
  if (queued > 0) deps.copies.wake();
  return queued;
}

/** After a capture or an import: its copies are queued (they run in the background); a failure to queue never fails the snapshot. */
export async function queueCopiesOf(deps: EngineDeps, snapshot: Snapshot): Promise<void> {
  await queueCopies(deps, snapshot).catch((error: unknown) =>
    deps.log.error({ err: error, snapshotId: snapshot.id }, "queueing off-host copies failed"),
  );
}

/** Admin: copy a snapshot now, to one target or to the workload's targets (also: retry a failed copy). */
export async function copySnapshotNow(deps: EngineDeps, actor: Actor, input: { id: string; targetId?: string }): Promise<CopyView[]> {
  return audited(deps, actor, { action: "snapshot.copy", target: input.id, detail: { targetId: input.targetId } }, async () => {
    const snapshot = await deps.db.snapshot.findUnique({ where: { id: input.id } });
    if (!snapshot) throw notFound("snapshot");
    if (input.targetId) await getStorageTargetRow(deps, input.targetId);
    const targets = input.targetId ? [input.targetId] : undefined;
    const rules = targets ?? (await deps.db.copyRule.findMany({ where: { workloadId: snapshot.workloadId } })).map((r) => r.targetId);
    if (rules.length === 0) throw badRequest("This workload has no storage targets to copy to", { reason: "no-copy-targets" });
    await queueCopies(deps, snapshot, rules);
    const rows = await deps.db.snapshotCopy.findMany({ where: { snapshotId: snapshot.id }, include: { target: true } });
    return rows.map(copyView);
  });
}

/** At start: a copy cut short by a stop is queued again; its next try resumes from what reached the target. */
export async function recoverInterruptedCopies(deps: EngineDeps): Promise<number> {
  const { count } = await deps.db.snapshotCopy.updateMany({
    where: { state: "copying" },
    data: { state: "queued", nextAttemptAt: deps.clock.now() },
  });
  return count;
}

/**
 * Runs every copy that is due, one at a time (a copy reads a whole archive and fills a link);
 * returns when the next queued one is due, or null.
 */
export async function runDueCopies(deps: EngineDeps): Promise<Date | null> {
  for (;;) {
    const now = deps.clock.now();
    const due = await deps.db.snapshotCopy.findFirst({
      where: { state: "queued", nextAttemptAt: { lte: now }, target: { enabled: true } },
      orderBy: [{ nextAttemptAt: "asc" }, { createdAt: "asc" }],
    });
    if (!due) break;
    await runCopy(deps, due.id);
  }
  const next = await deps.db.snapshotCopy.findFirst({
    where: { state: "queued", target: { enabled: true } },
    orderBy: { nextAttemptAt: "asc" },
    select: { nextAttemptAt: true },
  });
  return next?.nextAttemptAt ?? null;
}

// Failures a retry cannot mend: the admin must act (the host key, the credentials, the snapshot itself). A missing
// folder is retried: an NFS or SMB share may be mounted again.
const FINAL_REASONS = new Set([
  "target-host-key-mismatch",
  "target-auth-failed",
  "target-key-invalid",
  "snapshot-file-missing",
  "secret-unreadable",
  "secret-other-key",
]);

/**
 * One try of one copy: streamed from the local file to the target's temporary name, from where
 * the last try stopped; committed (renamed); re-read from the target and its sha256 compared
 * with the snapshot's; the description written beside it; then the target's retention for the
 * workload's copies. A failed try is retried with back-off; the last one alerts.
 */
export async function runCopy(deps: EngineDeps, copyId: string): Promise<void> {
  const copy = await deps.db.snapshotCopy.update({
    where: { id: copyId },
    data: { state: "copying", attempts: { increment: 1 }, nextAttemptAt: null },
    include: { target: true },
  });
  const op = deps.operations.start(copy.id, copy.workloadId, "copy", Number(copy.size));
  try {
    await deps.copies.onTarget(copy.targetId, () => withTarget(deps, copy.target, (backend) => copyTo(deps, backend, copy, op)));
    await recordTargetCheck(deps, copy.targetId);
    op.finish();
  } catch (error) {
    deps.log.warn({ err: error, copyId, targetId: copy.targetId, snapshotId: copy.snapshotId }, "off-host copy failed");
    const failure = publicFailure(error);
    op.finish(failure);
    // A snapshot deleted before its copy was ever written takes the copy with it: not a failure to tell anyone.
    if (!copy.copiedAt && !(await deps.db.snapshot.findUnique({ where: { id: copy.snapshotId }, select: { id: true } }))) {
      await deps.db.snapshotCopy.deleteMany({ where: { id: copyId, copiedAt: null } });
      return;
    }
    if (failure.reason?.startsWith("target-")) await recordTargetCheck(deps, copy.targetId, error);
    const final = copy.attempts > deps.copies.retryDelaysMs.length || FINAL_REASONS.has(failure.reason ?? "");
    const delay = deps.copies.retryDelaysMs[copy.attempts - 1] ?? 0;
    await deps.db.snapshotCopy
      .update({
        where: { id: copyId },
        data: {
          state: final ? "failed" : "queued",
          checkedAt: deps.clock.now(),
          nextAttemptAt: final ? null : new Date(deps.clock.now().getTime() + delay),
          detail: encodeReason({ reason: failure.reason ?? "unexpected", params: failure.params }),
        },
      })
      .catch(() => {}); // the target was deleted meanwhile: its copies went with it
    if (final) {
      const workload = await deps.db.workload.findUnique({ where: { id: copy.workloadId }, select: { id: true, name: true } });
      notifyAlert(deps, {
        event: "copy-failed",
        workload: workload ?? undefined,
        snapshotId: copy.snapshotId,
        message: `Copying a snapshot to ${copy.target.name} failed after ${copy.attempts} tries: ${failure.message}`,
        reason: failure.reason ?? "unexpected",
        params: failure.params,
        at: deps.clock.now(),
      });
    }
  }
}

type Progress = ReturnType<EngineDeps["operations"]["start"]>;

/** Streams the local file to the target's temporary name, from `there` (what the last try left), and commits it. */
async function upload(deps: EngineDeps, backend: StorageBackend, copy: SnapshotCopy, file: string, there: number, op: Progress) {
  const size = Number(copy.size);
  // Resume where the last try stopped: the re-read hash after the commit catches any byte that differs.
  const offset = there > 0 && there <= size ? there : 0;
  op.progress({ phase: "copying", bytesDone: offset, bytesTotal: size });
  let written = offset;
  try {
    if (offset < size || size === 0) {
      const source = createReadStream(file, { start: offset, highWaterMark: ARCHIVE_READ_CHUNK });
      // A failing local disk is this host's problem, not the target's: its error is told as it is.
      let unreadable: unknown;
      source.on("error", (error) => (unreadable ??= error));
      await backend
        .writePartial(copy.remoteName, offset, source, (n) => {
          written += n;
          op.progress({ bytesDone: written });
        })
        .catch((error: unknown) => Promise.reject(unreadable ?? error));
    }
  } finally {
    await deps.db.snapshotCopy.update({ where: { id: copy.id }, data: { bytesDone: BigInt(written) } }).catch(() => {});
  }
  await backend.commit(copy.remoteName);
}

/** Reads the copy back from the target: whether its size and sha256 are the snapshot's. */
async function rehashOnTarget(backend: StorageBackend, copy: SnapshotCopy, op: Progress): Promise<boolean> {
  op.progress({ phase: "verifying", bytesDone: 0, bytesTotal: Number(copy.size) });
  const check = await rehashRemote(backend, copy.remoteName, (done) => op.progress({ bytesDone: done }), Number(copy.size));
  return check.sha256 === copy.sha256 && check.size === Number(copy.size);
}

async function copyTo(
  deps: EngineDeps,
  backend: StorageBackend,
  copy: SnapshotCopy & { target: StorageTarget },
  op: Progress,
): Promise<void> {
  const snapshot = await deps.db.snapshot.findUnique({ where: { id: copy.snapshotId }, include: { workload: { select: { name: true } } } });
  if (!snapshot || snapshot.fileMissing) {
    throw new DomainError("PRECONDITION_FAILED", "This snapshot's file is missing from the server", { reason: "snapshot-file-missing" });
  }
  const size = Number(copy.size);
  const name = copy.remoteName;
  // A try that a stop cut short after its commit left the whole file: read it back rather than send it again.
  const there = await backend.partialSize(name);
  if (there === 0 && (await backend.stat(name))?.size === size && (await rehashOnTarget(backend, copy, op))) {
    deps.log.info({ copyId: copy.id }, "the copy was already on the target, complete; not sent again");
  } else {
    await upload(deps, backend, copy, snapshotFilePath(deps.dataDir, snapshot), there, op);
    if (!(await rehashOnTarget(backend, copy, op))) {
      // A wrong file is not left to look like a copy: the next try writes it afresh.
      await backend.remove(name);
      throw copyMismatch(false);
    }
  }
  const sidecar: RemoteSidecar = {
    format: "berth-copy",
    version: 1,
    snapshotId: copy.snapshotId,
    workloadId: copy.workloadId,
    workloadName: snapshot.workload.name,
    label: copy.label,
    kind: copy.kind,
    createdAt: copy.snapshotCreatedAt.toISOString(),
    size,
    sha256: copy.sha256,
  };
  const sidecarName = remoteSidecarName(copy.snapshotId);
  await backend.writePartial(sidecarName, 0, Readable.from([Buffer.from(JSON.stringify(sidecar, null, 2))]));
  await backend.commit(sidecarName);
  const now = deps.clock.now();
  await deps.db.snapshotCopy.update({
    where: { id: copy.id },
    data: { state: "verified", bytesDone: BigInt(size), copiedAt: now, verifiedAt: now, checkedAt: now, detail: null },
  });
  await pruneRemoteCopies(deps, backend, copy.target, copy.workloadId);
}

export const copyMismatch = (sizeDiffers: boolean) =>
  sizeDiffers
    ? new DomainError("PRECONDITION_FAILED", "The copy on the storage target has the wrong size", { reason: "copy-size-mismatch" })
    : new DomainError("PRECONDITION_FAILED", "The copy on the storage target does not match the snapshot's checksum (sha256)", {
        reason: "copy-checksum-mismatch",
      });

/** Reads a file on the target to its end: its sha256 and size (what verification compares). */
export async function rehashRemote(
  backend: StorageBackend,
  name: string,
  onBytes: (done: number) => void,
  expectedSize: number,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  const stream = await backend.read(name);
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
    onBytes(size);
    // A target that sends more than the copy can hold is wrong already: stop reading (a hostile server may never stop).
    if (size > expectedSize) {
      stream.destroy();
      break;
    }
  }
  return { sha256: hash.digest("hex"), size };
}
