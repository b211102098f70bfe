import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Snapshot, StorageTarget } from "~/generated/prisma/client";
import type { Actor } from "../actor";
import { readSnapshotArchive } from "../archive/strict-reader";
import { audited } from "../audit";
import type { EngineDeps } from "../deps";
import { conflict, notFound } from "../errors";
import type { OperationHandle } from "../operations";
import { publicFailure } from "../public-error";
import { ARCHIVE_READ_CHUNK, sha256Of } from "../archive/verified-extract";
import { assertSnapshotFile, recordSnapshot, snapshotView, writeArchiveFile, type SnapshotView } from "../snapshots/snapshot-store";
import { assertWorkloadExists } from "../workloads/workload-exists";
import { copyMismatch } from "./copy-run";
import type { StorageBackend } from "./storage-backend";
import { withTarget } from "./target-settings";

/**
 * One download into a snapshot's file at a time: a second fetch of the same copy (a double
 * click) waits, then finds the file there, instead of both writing the same `.tmp`.
 */
export const fetchLockKey = (snapshotId: string) => `snapshot-file:${snapshotId}`;

interface Downloaded {
  size: number;
  sha256: string;
  manifest: Awaited<ReturnType<typeof readSnapshotArchive>>["manifest"];
}

/**
 * Fetches `name` from the target into the snapshot folder as `<id>.tar.gz`: streamed to a
 * `.tmp` while hashed, the sha256 compared with `expectedSha256` (when known), validated
 * completely by the strict reader, then made durable and renamed into place (replacing a
 * damaged file there in one step). Nothing is left behind on failure.
 */
export async function downloadArchive(
  deps: EngineDeps,
  backend: StorageBackend,
  input: { name: string; workloadId: string; id: string; expectedSha256?: string; expectedSize?: number; op: OperationHandle },
): Promise<Downloaded> {
  const { op } = input;
  return writeArchiveFile(deps.dataDir, input.workloadId, input.id, async (tmpPath) => {
    const hash = createHash("sha256");
    let size = 0;
    op.progress({ phase: "downloading", bytesDone: 0, bytesTotal: input.expectedSize ?? 0 });
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        // A target that sends more than the copy's size, or than any import may be, is cut off
        // (a description on the target may claim any size: it never raises the import limit).
        const limit = Math.min(input.expectedSize ?? deps.importMaxBytes, deps.importMaxBytes);
        if (size > limit) return done(copyMismatch(true));
        hash.update(chunk);
        op.progress({ bytesDone: size });
        done(null, chunk);
      },
    });
    // Under the snapshot's fetch lock: a `.tmp` here is one a crash left, and is written over.
    await pipeline(await backend.read(input.name), meter, createWriteStream(tmpPath, { flags: "w", mode: 0o600 }));
    const sha256 = hash.digest("hex");
    if (input.expectedSize !== undefined && size !== input.expectedSize) throw copyMismatch(true);
    if (input.expectedSha256 && sha256 !== input.expectedSha256) throw copyMismatch(false);
    op.progress({ phase: "validating", bytesDone: 0, bytesTotal: size });
    const checked = await readSnapshotArchive(createReadStream(tmpPath, { highWaterMark: ARCHIVE_READ_CHUNK }), {});
    return { size, sha256, manifest: checked.manifest };
  });
}

/** Whether the local file is there and is what its row says (a damaged one may be replaced). */
async function localFileIsGood(deps: EngineDeps, snapshot: Snapshot): Promise<boolean> {
  const file = await assertSnapshotFile(deps.dataDir, snapshot).catch(() => null);
  return file !== null && (await sha256Of(file)) === snapshot.sha256;
}

/**
 * Fetches a copy back when the local file is gone or damaged, or the local snapshot was pruned:
 * downloaded, checked against the copy's sha256, validated, stored under the snapshot's own id,
 * and the row made true again (or recreated with its kind, label and time). Then restore as usual.
 */
export async function fetchCopy(
  deps: EngineDeps,
  actor: Actor,
  input: { copyId: string; keepSpecialBits?: boolean },
): Promise<SnapshotView> {
  const copy = await deps.db.snapshotCopy.findUnique({ where: { id: input.copyId }, include: { target: true } });
  if (!copy) throw notFound("snapshotCopy");
  const entry = { action: "snapshot.fetchCopy", target: copy.snapshotId, detail: { targetId: copy.targetId } };
  return deps.locks.run(fetchLockKey(copy.snapshotId), () =>
    audited(deps, actor, entry, async () => {
      await assertWorkloadExists(deps, copy.workloadId);
      const existing = await deps.db.snapshot.findUnique({ where: { id: copy.snapshotId } });
      if (existing && existing.workloadId !== copy.workloadId) {
        throw conflict("This copy belongs to a snapshot of another workload", { reason: "copy-for-other-workload" });
      }
      if (existing && (await localFileIsGood(deps, existing))) {
        throw conflict("This snapshot is already here with its file", { reason: "snapshot-exists" });
      }
      const snapshot = await fetching(deps, copy.target, copy.workloadId, copy.snapshotId, async (backend, op) => {
        const got = await downloadArchive(deps, backend, {
          name: copy.remoteName,
          workloadId: copy.workloadId,
          id: copy.snapshotId,
          expectedSha256: copy.sha256,
          expectedSize: Number(copy.size),
          op,
        });
        const now = deps.clock.now();
        if (existing) {
          return deps.db.snapshot.update({
            where: { id: existing.id },
            data: { fileMissing: false, verifiedAt: now, verifyOutcome: "passed", verifyDetail: null },
          });
        }
        return recordSnapshot(deps.db, {
          id: copy.snapshotId,
          workloadId: copy.workloadId,
          label: copy.label,
          kind: copy.kind === "imported" || copy.kind === "scheduled" || copy.kind === "manual" ? copy.kind : "imported",
          archive: got,
          capturedLive: false,
          keepSpecialBits: copy.kind === "imported" ? input.keepSpecialBits === true : undefined,
          createdBy: actor.label,
          createdAt: copy.snapshotCreatedAt,
        });
      });
      await deps.db.snapshotCopy.update({
        where: { id: copy.id },
        data: { state: "verified", verifiedAt: deps.clock.now(), checkedAt: deps.clock.now(), detail: null },
      });
      return snapshotView(snapshot);
    }),
  );
}

/**
 * Runs a download from the target as a "fetch" operation of the workload. (A file renamed into
 * place whose row was then never written is an orphan the boot sweep removes.)
 */
export async function fetching(
  deps: EngineDeps,
  target: StorageTarget,
  workloadId: string,
  snapshotId: string,
  work: (backend: StorageBackend, op: OperationHandle) => Promise<Snapshot>,
): Promise<Snapshot> {
  const op = deps.operations.start(randomUUID(), workloadId, "fetch");
  try {
    const row = await deps.copies.onTarget(target.id, () => withTarget(deps, target, (backend) => work(backend, op)));
    op.finish();
    return row;
  } catch (error) {
    deps.log.warn({ err: error, targetId: target.id, snapshotId }, "fetching a copy back failed");
    op.finish(publicFailure(error));
    throw error;
  }
}
