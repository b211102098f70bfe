import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { Transform } from "node:stream";
import type { Prisma, Snapshot, SnapshotCopy, StorageTarget } from "~/generated/prisma/client";
import { encodeReason } from "~/shared/encoded-reason";
import type { ErrorParams } from "~/shared/error-reasons";
import type { CheckOutcome } from "~/shared/storage";
import { type Actor, systemActor } from "../actor";
import { notifyAlert } from "../alerts/notify";
import { readSnapshotArchive } from "../archive/strict-reader";
import { audited } from "../audit";
import type { EngineDeps } from "../deps";
import { DomainError, notFound } from "../errors";
import type { OperationHandle } from "../operations";
import { publicFailure } from "../public-error";
import { assertSnapshotFile } from "../snapshots/snapshot-store";
import { ARCHIVE_READ_CHUNK } from "../archive/verified-extract";
import { copyMismatch, queueCopies, rehashRemote } from "../storage/copy-run";
import { copyView, type CopyView } from "../storage/copy-views";
import { recordTargetCheck } from "../storage/storage-targets";
import { withTarget } from "../storage/target-settings";

export interface VerifyResult {
  snapshotId: string;
  /** the local file: its sha256 against the row and a full strict read */
  outcome: CheckOutcome;
  reason?: string;
  params?: ErrorParams;
  /** every copy after its re-read */
  copies: CopyView[];
}

/**
 * Verifies a snapshot where it is kept: the local file is read once, its sha256 compared with
 * the row and every entry validated by the strict reader (what a restore would meet), and each
 * copy on a target is read back and its sha256 compared. Outcomes are recorded on the rows; a
 * failure alerts. A failed check is the result, not an error.
 */
export async function verifySnapshot(deps: EngineDeps, actor: Actor, input: { id: string }): Promise<VerifyResult> {
  const snapshot = await deps.db.snapshot.findUnique({ where: { id: input.id } });
  if (!snapshot) throw notFound("snapshot");
  return audited(
    deps,
    actor,
    { action: "snapshot.verify", target: snapshot.id },
    () => verify(deps, snapshot),
    (result) => ({ detail: { outcome: result.outcome, reason: result.reason, copies: result.copies.map((c) => c.state) } }),
  );
}

async function verify(deps: EngineDeps, snapshot: Snapshot): Promise<VerifyResult> {
  const op = deps.operations.start(`verify-${randomUUID()}`, snapshot.workloadId, "verify", Number(snapshot.size));
  const local = await verifyLocal(deps, snapshot, op).then(
    () => undefined,
    (error: unknown) => {
      deps.log.warn({ err: error, snapshotId: snapshot.id }, "verification of a snapshot file failed");
      return publicFailure(error);
    },
  );
  const now = deps.clock.now();
  // updateMany: a snapshot pruned meanwhile is simply not there to update.
  await deps.db.snapshot.updateMany({
    where: { id: snapshot.id },
    data: {
      verifiedAt: now,
      verifyOutcome: local ? "failed" : "passed",
      verifyDetail: local ? encodeReason({ reason: local.reason ?? "unexpected", params: local.params }) : null,
      ...(local?.reason === "snapshot-file-missing" ? { fileMissing: true } : {}),
    },
  });
  const copyFailures = await verifyCopies(deps, await copiesToCheck(deps, { snapshotId: snapshot.id }), op);
  const copies = (await deps.db.snapshotCopy.findMany({ where: { snapshotId: snapshot.id }, include: { target: true } })).map(copyView);
  op.finish(local);
  // A good local file mends its bad copies: they are written again by the copy worker.
  const bad = copies.filter((c) => c.state === "corrupt" || c.state === "missing").map((c) => c.targetId);
  if (!local && bad.length > 0) await queueCopies(deps, snapshot, bad);
  if (local || copyFailures.length > 0) {
    const workload = await deps.db.workload.findUnique({ where: { id: snapshot.workloadId }, select: { id: true, name: true } });
    const first = local ?? copyFailures[0];
    notifyAlert(deps, {
      event: "verify-failed",
      workload: workload ?? undefined,
      snapshotId: snapshot.id,
      message: local
        ? `Verifying a snapshot failed: ${local.message}`
        : `A copy of a snapshot failed verification on ${copyFailures.length} target(s): ${copyFailures[0]?.message}`,
      reason: first?.reason ?? "unexpected",
      params: first?.params,
      at: now,
    });
  }
  return {
    snapshotId: snapshot.id,
    outcome: local ? "failed" : "passed",
    ...(local ? { reason: local.reason ?? "unexpected", params: local.params } : {}),
    copies,
  };
}

/** One pass over the file: its sha256 and the strict reader's full validation. */
async function verifyLocal(deps: EngineDeps, snapshot: Snapshot, op: OperationHandle): Promise<void> {
  const file = await assertSnapshotFile(deps.dataDir, snapshot);
  op.progress({ phase: "verifying", bytesDone: 0, bytesTotal: Number(snapshot.size) });
  const hash = createHash("sha256");
  let done = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      hash.update(chunk);
      done += chunk.length;
      op.progress({ bytesDone: done });
      callback(null, chunk);
    },
  });
  const source = createReadStream(file, { highWaterMark: ARCHIVE_READ_CHUNK });
  source.on("error", (error) => hashing.destroy(error));
  let invalid: unknown;
  try {
    await readSnapshotArchive(source.pipe(hashing), {});
  } catch (error) {
    invalid = error;
  }
  // A file that is not what was recorded says so first, rather than what the reader tripped on.
  if (invalid) {
    if (done < Number(snapshot.size) || hash.digest("hex") !== snapshot.sha256) throw checksumMismatch(invalid);
    throw invalid;
  }
  if (hash.digest("hex") !== snapshot.sha256) throw checksumMismatch();
}

const checksumMismatch = (cause?: unknown) =>
  new DomainError("PRECONDITION_FAILED", "The snapshot file does not match its recorded checksum (sha256)", {
    cause,
    reason: "verify-checksum-mismatch",
  });

type CopyToCheck = SnapshotCopy & { target: StorageTarget };

/** The copies a verification re-reads: written ones (verified, or found corrupt or missing before) on enabled targets. */
function copiesToCheck(deps: EngineDeps, where: Prisma.SnapshotCopyWhereInput): Promise<CopyToCheck[]> {
  return deps.db.snapshotCopy.findMany({
    where: { ...where, copiedAt: { not: null }, state: { in: ["verified", "corrupt", "missing"] }, target: { enabled: true } },
    include: { target: true },
  });
}

/**
 * Re-reads each copy from its target; returns the failures (a copy gone, different, or a target
 * that did not answer). A copy's row changes only if no one changed it meanwhile (a copy
 * written again, a prune).
 */
async function verifyCopies(deps: EngineDeps, copies: CopyToCheck[], op: OperationHandle) {
  const failures: ReturnType<typeof publicFailure>[] = [];
  for (const copy of copies) {
    const checkedAt = deps.clock.now();
    const unchanged = { id: copy.id, state: copy.state };
    try {
      await deps.copies.onTarget(copy.targetId, () =>
        withTarget(deps, copy.target, async (backend) => {
          op.progress({ phase: "verifying", bytesDone: 0, bytesTotal: Number(copy.size) });
          const got = await rehashRemote(backend, copy.remoteName, (done) => op.progress({ bytesDone: done }), Number(copy.size));
          if (got.size !== Number(copy.size) || got.sha256 !== copy.sha256) throw copyMismatch(got.size !== Number(copy.size));
        }),
      );
      await deps.db.snapshotCopy.updateMany({
        where: unchanged,
        data: { state: "verified", verifiedAt: checkedAt, checkedAt, detail: null },
      });
      await recordTargetCheck(deps, copy.targetId);
    } catch (error) {
      deps.log.warn({ err: error, copyId: copy.id, targetId: copy.targetId }, "verification of an off-host copy failed");
      const failure = publicFailure(error);
      failures.push(failure);
      // Gone or different is the copy's state; a target that did not answer says nothing about the copy.
      const state = failure.reason === "copy-not-found-remote" ? "missing" : failure.reason?.startsWith("copy-") ? "corrupt" : copy.state;
      if (state === copy.state) await recordTargetCheck(deps, copy.targetId, error);
      await deps.db.snapshotCopy.updateMany({
        where: unchanged,
        data: { state, checkedAt, detail: encodeReason({ reason: failure.reason ?? "unexpected", params: failure.params }) },
      });
    }
  }
  return failures;
}

/**
 * Scheduled verification, once `deps.copies.verifyIntervalMs` has passed: the newest snapshot of
 * each workload (its file and its copies; a new snapshot counts as checked when it was written),
 * then every copy not re-read for that long, also those whose local snapshot is gone (kept
 * longer on their target). Returns how many were verified.
 */
export async function verifyDue(deps: EngineDeps): Promise<number> {
  const interval = deps.copies.verifyIntervalMs;
  if (interval <= 0) return 0;
  const before = new Date(deps.clock.now().getTime() - interval);
  const actor = systemActor("berth:verify");
  let verified = 0;
  for (const w of await deps.db.workload.findMany({ select: { id: true } })) {
    const newest = await deps.db.snapshot.findFirst({
      where: { workloadId: w.id, kind: { not: "pre-restore" }, fileMissing: false },
      orderBy: { createdAt: "desc" },
    });
    if (!newest || (newest.verifiedAt ?? newest.createdAt) > before) continue;
    // One workload's failure (its record, a target) never stops the others'.
    await verifySnapshot(deps, actor, { id: newest.id }).then(
      () => (verified += 1),
      (error: unknown) => deps.log.error({ err: error, snapshotId: newest.id }, "scheduled verification failed"),
    );
  }
  const stale = await copiesToCheck(deps, { OR: [{ checkedAt: null }, { checkedAt: { lt: before } }] });
  for (const copy of stale) {
    const op = deps.operations.start(`verify-${randomUUID()}`, copy.workloadId, "verify", Number(copy.size));
    const failures = await verifyCopies(deps, [copy], op).catch((error: unknown) => [publicFailure(error)]);
    op.finish();
    verified += 1;
    const failure = failures[0];
    if (!failure) continue;
    const snapshot = await deps.db.snapshot.findUnique({ where: { id: copy.snapshotId } });
    if (snapshot && !snapshot.fileMissing) await queueCopies(deps, snapshot, [copy.targetId]);
    const workload = await deps.db.workload.findUnique({ where: { id: copy.workloadId }, select: { id: true, name: true } });
    notifyAlert(deps, {
      event: "verify-failed",
      workload: workload ?? undefined,
      snapshotId: copy.snapshotId,
      message: `A copy of a snapshot failed verification on ${copy.target.name}: ${failure.message}`,
      reason: failure.reason ?? "unexpected",
      params: failure.params,
      at: deps.clock.now(),
    });
  }
  return verified;
}
