import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { PassThrough } from "node:stream";
import type { Actor } from "../actor";
import { extractSnapshotArchive } from "../archive/extractor";
import { readSnapshotArchive, type ArchiveEntry } from "../archive/strict-reader";
import type { SnapshotManifest } from "../archive/manifest";
import { recordAudit } from "../audit";
import { badRequest, conflict, DomainError } from "../errors";
import { publicMessage } from "../public-error";
import type { LockLease } from "../keyed-lock";
import { captureUnderLock, type SnapshotDeps } from "../snapshots/capture";
import { getSnapshotRow, snapshotFilePath } from "../snapshots/snapshot-store";
import { prepareBindParent, type ResolvedVolume } from "../volumes";
import { containerRef, deployUnderLock, folderLockKey, loadWorkload, resolveWorkloadVolumes, workloadLockKey, workloadsSharing, type LoadedWorkload } from "../workloads/workloads";
import { crashPoint } from "./crash-points";
import { createJournal, listJournals, type VolumePlan } from "./journal";
import { dropBackup, rollBackVolume, swapInVolume } from "./volume-swap";

export interface RestoreRequest {
  workloadId: string;
  snapshotId: string;
  confirm: string;
}

export interface RestoreResult {
  restoreRunId: string;
  preRestoreSnapshotId: string | null;
  restored: string[];
  /** current volumes the snapshot does not cover: left exactly as they were */
  untouched: string[];
  redeployError?: string;
  /** Files whose setuid / setgid bits were removed (imported archives nobody vouched for). */
  strippedSpecialBits: { count: number; paths: string[] };
}

// Restores in flight, claimed before pre-flight so a second request is refused at once.
const inFlight = new Set<string>();

export const stagingPrefix = (restoreId: string) => `.berth-staging-${restoreId}-`;
export const backupName = (restoreId: string, index: number) => `.berth-backup-${restoreId}-${index}`;
const MARGIN_BYTES = 32 * 1024 * 1024;
const MARGIN_INODES = 100;
// Allocation unit assumed when estimating the staged copy's size (ext4/xfs/tmpfs default).
const BLOCK = 4096;
// Reads of the archive: large enough for few calls, small enough that the buffered stages
// between the file and the extractor hold a few MB, not tens (peak RSS).
export const ARCHIVE_READ_CHUNK = 256 * 1024;

/** Pre-flight: everything that can refuse the restore, before anything is touched. */
async function preflight(deps: SnapshotDeps, request: RestoreRequest) {
  const row = await getSnapshotRow(deps.db, request.snapshotId);
  if (row.workloadId !== request.workloadId) throw badRequest("This snapshot belongs to another workload");
  const workload = await loadWorkload(deps.db, request.workloadId);
  if (workload.config.sourceKind !== "image") throw badRequest("Only image workloads can be restored");
  const file = snapshotFilePath(deps.dataDir, row);

  // One read: the sha256 of the stored bytes, and a full strict validation of the archive.
  const hash = createHash("sha256");
  const tee = new PassThrough();
  tee.on("data", (chunk: Buffer) => hash.update(chunk));
  const source = createReadStream(file, { highWaterMark: ARCHIVE_READ_CHUNK });
  source.on("error", (error) => tee.destroy(error));
  source.pipe(tee);
  // Per volume, what the staged copy will take on disk: an inode per entry, whole blocks per file.
  const usage = new Map<number, { bytes: number; inodes: number }>();
  let manifest: SnapshotManifest;
  try {
    manifest = (
      await readSnapshotArchive(tee, {
        onEntryHeader(entry) {
          const u = usage.get(entry.volumeIndex) ?? { bytes: 0, inodes: 0 };
          u.inodes++;
          u.bytes += allocatedBytes(entry);
          usage.set(entry.volumeIndex, u);
        },
      })
    ).manifest;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new DomainError("PRECONDITION_FAILED", "This snapshot's file is missing from the server");
    throw error;
  }
  if (hash.digest("hex") !== row.sha256) {
    throw new DomainError("PRECONDITION_FAILED", "The snapshot file does not match its recorded checksum (sha256); it was changed or damaged, refusing to restore");
  }

  // Map by target onto the CURRENT config; the manifest's scope/source are never used.
  const current = await resolveWorkloadVolumes(deps, workload);
  const mapped = manifest.volumes.map((mv) => ({ manifestVolume: mv, current: current.find((c) => c.target === mv.target) }));
  const unmapped = mapped.filter((m) => !m.current || m.current.kind !== "bind" || m.current.readOnly).map((m) => m.manifestVolume.target);
  if (unmapped.length > 0) {
    throw badRequest(`The snapshot has volumes this workload no longer has as writable binds: ${unmapped.join(", ")}; nothing was changed`);
  }
  const volumes = mapped.map((m) => ({
    index: m.manifestVolume.index,
    target: m.manifestVolume.target,
    resolved: m.current as Extract<ResolvedVolume, { kind: "bind" }>,
    live: (m.current as { hostPath: string }).hostPath,
    staged: usage.get(m.manifestVolume.index) ?? { bytes: 0, inodes: 0 },
  }));
  const untouched = current.filter((c) => !volumes.some((v) => v.target === c.target)).map((c) => c.target);
  await checkFreeSpace(deps.dataDir, volumes);
  return { row, workload, manifest, volumes, untouched };
}

/** What an entry takes on disk once staged: whole blocks of each data segment of a sparse file. */
function allocatedBytes(entry: ArchiveEntry): number {
  if (!entry.sparse) return Math.ceil(entry.size / BLOCK) * BLOCK || BLOCK;
  let bytes = BLOCK;
  for (const [offset, length] of entry.sparse.segments) bytes += (Math.ceil((offset + length) / BLOCK) - Math.floor(offset / BLOCK)) * BLOCK;
  return bytes;
}

async function treeSize(dir: string): Promise<{ bytes: number; inodes: number }> {
  let bytes = 0;
  let inodes = 0;
  const walk = async (d: string) => {
    for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
      inodes++;
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      // Blocks in use, not the size: a sparse file's holes take no space in the undo copy either.
      else if (e.isFile()) bytes += (await fs.lstat(p)).blocks * 512;
    }
  };
  await walk(dir);
  return { bytes, inodes };
}

async function existingAncestor(p: string): Promise<string> {
  while (!(await fs.stat(p).then(() => true, () => false))) p = path.dirname(p);
  return p;
}

/**
 * Per filesystem, before anything is touched: the staged copies (extracted beside the live
 * data) and the pre-restore snapshot (in the data dir; its compressed size is unknown, so the
 * live data's size bounds it) plus a margin must fit, in bytes and in inodes.
 */
async function checkFreeSpace(dataDir: string, volumes: { target: string; live: string; staged: { bytes: number; inodes: number } }[]) {
  const need = new Map<number, { dir: string; bytes: number; inodes: number; targets: string[] }>();
  const add = async (dir: string, bytes: number, inodes: number, target?: string) => {
    dir = await existingAncestor(dir);
    const dev = (await fs.stat(dir)).dev;
    const entry = need.get(dev) ?? { dir, bytes: MARGIN_BYTES, inodes: MARGIN_INODES, targets: [] };
    entry.bytes += bytes;
    entry.inodes += inodes;
    if (target) entry.targets.push(target);
    need.set(dev, entry);
  };
  for (const v of volumes) {
    await add(path.dirname(v.live), v.staged.bytes, v.staged.inodes, v.target);
    const live = await treeSize(v.live);
    await add(dataDir, live.bytes, 2);
  }
  for (const { dir, bytes, inodes, targets } of need.values()) {
    const where = targets.length > 0 ? targets.join(", ") : "the pre-restore snapshot";
    const fsStat = await fs.statfs(dir);
    const freeBytes = fsStat.bavail * fsStat.bsize;
    if (freeBytes < bytes) {
      throw new DomainError("PRECONDITION_FAILED", `Not enough free disk space for ${where}: the restore needs ${formatMiB(bytes)}, ${formatMiB(freeBytes)} are free; nothing was changed`);
    }
    // Filesystems without an inode limit (btrfs, some tmpfs) report 0 files.
    if (fsStat.files > 0 && fsStat.ffree < inodes) {
      throw new DomainError("PRECONDITION_FAILED", `Not enough free inodes for ${where}: the restore needs ${inodes}, ${fsStat.ffree} are free; nothing was changed`);
    }
  }
}

const formatMiB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export async function restoreSnapshot(deps: SnapshotDeps, actor: Actor, request: RestoreRequest): Promise<RestoreResult> {
  if (request.confirm !== request.snapshotId) throw badRequest("To restore, confirm must equal the snapshot id");
  if (inFlight.has(request.workloadId)) throw conflict("A restore of this workload is already running");
  inFlight.add(request.workloadId);
  try {
    const plan = await preflight(deps, request);
    // The deploy locks of this workload and of every other one that mounts a folder the restore
    // replaces: deploys in progress finish first, none starts until we are done, and since
    // every operation on a folder runs under the lock of a workload that mounts it, nothing
    // else touches these folders meanwhile.
    const folders = plan.volumes.map((v) => v.live);
    const sharing = await workloadsSharing(deps, folders, request.workloadId);
    const keys = [...[request.workloadId, ...sharing.map((w) => w.id)].map(workloadLockKey), ...folders.map(folderLockKey)];
    return await deps.locks.runAll(keys, async (lease) => {
      const now = await workloadsSharing(deps, folders, request.workloadId);
      if (now.some((w) => !lease.keys.has(workloadLockKey(w.id)))) {
        throw conflict("Another workload started using these folders while the restore waited; nothing was changed, try again");
      }
      // Pre-flight read the config before the wait: a change meanwhile (volumes, or a stop that
      // the redeploy must respect) is seen now.
      const workload = await loadWorkload(deps.db, request.workloadId);
      const current = await resolveWorkloadVolumes(deps, workload);
      const liveNow = (target: string) => current.flatMap((c) => (c.kind === "bind" && c.target === target ? [c.hostPath] : []))[0];
      if (plan.volumes.some((v) => liveNow(v.target) !== v.live)) {
        throw conflict("This workload's volumes changed while the restore waited; nothing was changed, try again");
      }
      const affected = [workload, ...(await Promise.all(now.map((w) => loadWorkload(deps.db, w.id))))];
      return restoreUnderLock(deps, actor, lease, request, { ...plan, workload, affected });
    });
  } finally {
    inFlight.delete(request.workloadId);
  }
}

async function restoreUnderLock(
  deps: SnapshotDeps,
  actor: Actor,
  lease: LockLease,
  request: RestoreRequest,
  plan: Awaited<ReturnType<typeof preflight>> & { affected: LoadedWorkload[] },
): Promise<RestoreResult> {
  const restoreId = randomUUID();
  const started = Date.now();
  const op = deps.operations.start(restoreId, request.workloadId, "restore", plan.manifest.volumes.reduce((s, v) => s + v.bytes, 0));
  const run = await deps.db.restoreRun.create({
    data: { id: restoreId, workloadId: request.workloadId, snapshotId: request.snapshotId, actor: actor.label, phase: "stopping" },
  });
  const setPhase = async (phase: string) => {
    op.progress({ phase });
    await deps.db.restoreRun.update({ where: { id: run.id }, data: { phase } });
  };
  const volumePlans: VolumePlan[] = [];
  // Logs a step's failure with its detail and returns what a client may see of it.
  const logged = (step: string, error: unknown) => {
    deps.log.warn({ err: error, restoreId, workloadId: request.workloadId }, `restore: ${step} failed`);
    return publicMessage(error);
  };
  let committed = false;
  let redeployed = false;
  let preRestoreSnapshotId: string | null = null;
  try {
    for (const w of plan.affected) {
      await deps.runtime.stop(containerRef(w)).catch((error: unknown) => {
        throw new DomainError("PRECONDITION_FAILED", `Stopping the container of ${w.config.name} failed: ${logged("stop", error)}`, { cause: error });
      });
    }
    crashPoint("after-stop");

    await setPhase("pre-restore-snapshot");
    const hasData = await Promise.all(plan.volumes.map((v) => fs.stat(v.live).then((s) => s.isDirectory(), () => false)));
    if (hasData.some(Boolean)) {
      const label = `before restoring ${plan.row.label || plan.row.id.slice(0, 8)}`;
      preRestoreSnapshotId = (await captureUnderLock(deps, actor, lease, { workloadId: request.workloadId, kind: "pre-restore", label })).id;
      await deps.db.restoreRun.update({ where: { id: run.id }, data: { preRestoreSnapshotId } });
    }
    crashPoint("after-pre-restore-snapshot");

    await setPhase("staging");
    const targets = new Map<number, string>();
    for (const v of plan.volumes) {
      // Created one component at a time, following no link: nothing a container writes is on the way.
      const parent = await prepareBindParent(v.resolved);
      const staged = await fs.mkdtemp(path.join(parent, stagingPrefix(restoreId)));
      const liveAbsent = await fs.lstat(v.live).then(() => false, (error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? true : Promise.reject(error)));
      volumePlans.push({ target: v.target, live: v.live, staged, backup: path.join(parent, backupName(restoreId, v.index)), liveAbsent });
      targets.set(v.index, staged);
    }
    const staged = await extractSnapshotArchive(createReadStream(snapshotFilePath(deps.dataDir, plan.row), { highWaterMark: ARCHIVE_READ_CHUNK }), {
      targets,
      // setuid / setgid on files only from archives this server wrote, or an import the admin vouched for.
      fileSpecialBits: plan.row.kind === "imported" && !plan.row.keepSpecialBits ? "strip" : "keep",
      onProgress: (p: { bytesDone: number; volumeIndex: number }) => op.progress({ bytesDone: p.bytesDone, volume: plan.volumes.find((v) => v.index === p.volumeIndex)?.target }),
    });
    crashPoint("after-staging");

    await setPhase("swapping");
    const journal = await createJournal(deps.dataDir, {
      type: "INTENT",
      restoreId,
      workloadId: request.workloadId,
      snapshotId: request.snapshotId,
      preRestoreSnapshotId: preRestoreSnapshotId ?? "",
      volumes: volumePlans,
      alsoStopped: plan.affected.slice(1).map((w) => w.config.id),
    });
    crashPoint("after-intent");
    for (const [i, vp] of volumePlans.entries()) await swapInVolume(vp, i, journal);
    await journal.append({ type: "COMMIT" });
    committed = true;
    crashPoint("after-commit");

    await setPhase("redeploying");
    const redeployError = await redeployAffected(deps, actor, lease, plan.affected, logged);
    redeployed = true;
    crashPoint("after-redeploy");
    for (const vp of volumePlans) await dropBackup(vp);
    crashPoint("after-cleanup");
    await journal.append({ type: "DONE" });
    crashPoint("after-done-record");
    await finishRun(deps, run.id, started, "succeeded", redeployError ? "redeploy-failed" : undefined);
    crashPoint("after-done");
    await journal.remove();

    await recordAudit(deps.db, actor, { action: auditAction(plan.row.kind), target: request.snapshotId, outcome: "success", detail: { workloadId: request.workloadId, preRestoreSnapshotId } });
    op.finish();
    return {
      restoreRunId: run.id,
      preRestoreSnapshotId,
      restored: volumePlans.map((v) => v.target),
      untouched: plan.untouched,
      redeployError,
      strippedSpecialBits: staged.strippedSpecialBits,
    };
  } catch (error) {
    deps.log.warn({ err: error, restoreId, workloadId: request.workloadId, committed }, "restore failed");
    let rollbackFailed = false;
    // Committed but failed before the redeploy: the new data is live, so the workloads come back on it.
    if (committed && !redeployed) await redeployAffected(deps, actor, lease, plan.affected, logged);
    if (!committed) {
      // Not committed: put every volume back as it was, then bring the workload back up.
      const rollbacks = await Promise.allSettled(volumePlans.map((vp) => rollBackVolume(vp)));
      for (const r of rollbacks) if (r.status === "rejected") logged("rollback", r.reason);
      rollbackFailed = rollbacks.some((r) => r.status === "rejected");
      // A failed rollback keeps its journal for boot recovery (or `berth recover`) to retry, and
      // the workload stays stopped: started now, it would run on a half-restored folder.
      if (!rollbackFailed) {
        for (const j of await listJournals(deps.dataDir)) if (j.intent?.restoreId === restoreId) await j.remove();
        await redeployAffected(deps, actor, lease, plan.affected, logged);
      }
    }
    // What the user (and the RestoreRun, which viewers read) sees is path-free; the cause is logged.
    // After COMMIT the snapshot's data is live: the run succeeded, only its cleanup did not.
    const failure = committed ? afterCommitFailure(error) : rollbackFailed ? rollbackFailure(error) : error instanceof DomainError ? error : unexpectedFailure(error);
    const detail = committed ? "finish-failed" : rollbackFailed ? "rollback-failed" : failure.message;
    await finishRun(deps, run.id, started, committed ? "succeeded" : "failed", detail);
    await recordAudit(deps.db, actor, { action: auditAction(plan.row.kind), target: request.snapshotId, outcome: "failure", detail: { workloadId: request.workloadId, message: failure.message } });
    op.finish(failure.message);
    throw failure;
  }
}

/**
 * Brings back every workload the restore stopped, the restored one first; one that was meant
 * to be stopped stays stopped. Returns the first failure's client-safe message.
 */
async function redeployAffected(
  deps: SnapshotDeps,
  actor: Actor,
  lease: LockLease,
  affected: LoadedWorkload[],
  logged: (step: string, error: unknown) => string,
): Promise<string | undefined> {
  let firstError: string | undefined;
  for (const w of affected) {
    if (w.config.desiredState !== "running") continue;
    await deployUnderLock(deps, actor, lease, w.config.id).catch((error: unknown) => (firstError ??= `${w.config.name}: ${logged("redeploy", error)}`));
  }
  return firstError;
}

function afterCommitFailure(error: unknown): DomainError {
  return new DomainError(
    "PRECONDITION_FAILED",
    `The snapshot's data was restored and is live, but finishing the restore failed (${publicMessage(error)}); the server completes it at its next start`,
    { cause: error },
  );
}

function rollbackFailure(error: unknown): DomainError {
  return new DomainError(
    "PRECONDITION_FAILED",
    "The restore failed, and putting the previous data back failed too; the workload was left stopped. The server retries at its next start (or stop it and run `berth recover`)",
    { cause: error },
  );
}

function unexpectedFailure(error: unknown): DomainError {
  const code = (error as NodeJS.ErrnoException).code;
  const message =
    code === "ENOSPC" || code === "EDQUOT"
      ? "The disk filled up during the restore; the live data was left as it was"
      : "The restore failed; the live data was left as it was (details are in the server log)";
  return new DomainError("PRECONDITION_FAILED", message, { cause: error });
}

// Restoring a pre-restore snapshot is how the UI undoes a restore.
const auditAction = (kind: string) => (kind === "pre-restore" ? "snapshot.restore.undo" : "snapshot.restore");

export async function finishRun(deps: SnapshotDeps, id: string, started: number, outcome: string, detail?: string) {
  await deps.db.restoreRun.update({
    where: { id },
    data: { outcome, detail: detail ?? null, phase: "done", finishedAt: new Date(), durationMs: Date.now() - started },
  });
}
