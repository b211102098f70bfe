import fs from "node:fs/promises";
import path from "node:path";
import type { Snapshot } from "~/generated/prisma/client";
import type { Db } from "~/server/db";
import type { EngineDeps } from "../deps";
import type { Actor } from "../actor";
import { recordAudit } from "../audit";
import { DomainError, notFound } from "../errors";
import { fsyncPath } from "../durable-fs";
import { isInside } from "../volumes";

import { decodeReason } from "~/shared/encoded-reason";
import type { ErrorParams } from "~/shared/error-reasons";
import type { SnapshotKind } from "~/shared/snapshot-kinds";

export { SNAPSHOT_KINDS, type SnapshotKind } from "~/shared/snapshot-kinds";

// File names are generated from the id, never taken from a user or an archive.
export const SNAPSHOT_FILE_NAME = /^[A-Za-z0-9_-]{1,64}\.tar\.gz$/;
export const snapshotFileName = (id: string) => `${id}.tar.gz`;

export const snapshotsRoot = (dataDir: string) => path.join(dataDir, "snapshots");
export const snapshotDir = (dataDir: string, workloadId: string) => path.join(snapshotsRoot(dataDir), workloadId);

/**
 * Writes a snapshot's archive durably at its final path: `write` fills the `.tmp`, which is
 * fsynced, renamed, and its directory fsynced. On failure the `.tmp` is gone and nothing is at
 * the final path; a row may then be recorded by the caller.
 * Capture, import and the undo copy all store their archives through here.
 */
export async function writeArchiveFile<T>(
  dataDir: string,
  workloadId: string,
  id: string,
  write: (tmpPath: string) => Promise<T>,
): Promise<T> {
  const dir = snapshotDir(dataDir, workloadId);
  const finalPath = path.join(dir, snapshotFileName(id));
  const tmpPath = `${finalPath}.tmp`;
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const result = await write(tmpPath);
    await fsyncPath(tmpPath);
    await fs.rename(tmpPath, finalPath);
    await fsyncPath(dir);
    return result;
  } catch (error) {
    await fs.rm(tmpPath, { force: true });
    throw error;
  }
}

/**
 * Records an archive writeArchiveFile made durable: the row says only what is on disk (its
 * size, hash and manifest come from the written file). Capture, import and the undo copy.
 */
export async function recordSnapshot(
  db: Db,
  input: {
    id: string;
    workloadId: string;
    label: string;
    kind: SnapshotKind;
    /** the manifest as read from the archive: its createdAt is when the archive was taken */
    archive: { size: number; sha256: string; manifest: SnapshotManifestSummary & { createdAt?: string } };
    capturedLive: boolean;
    keepSpecialBits?: boolean;
    createdBy: string;
    /** a copy fetched back keeps the time it was taken */
    createdAt?: Date;
  },
): Promise<Snapshot> {
  const { archive, ...row } = input;
  // An import was taken elsewhere (or earlier): keep its own time beside the time it arrived here.
  const taken = input.kind === "imported" && archive.manifest.createdAt ? new Date(archive.manifest.createdAt) : null;
  return db.snapshot.create({
    data: {
      ...row,
      takenAt: taken && !Number.isNaN(taken.getTime()) ? taken : null,
      fileName: snapshotFileName(input.id),
      size: BigInt(archive.size),
      sha256: archive.sha256,
      manifest: JSON.stringify({ volumes: archive.manifest.volumes, skipped: archive.manifest.skipped }),
    },
  });
}

/**
 * Where a stored snapshot's file is. The row is not trusted: its workload id and file name
 * must form a plain path inside the snapshots folder, else nothing is opened.
 */
export function snapshotFilePath(dataDir: string, row: Pick<Snapshot, "workloadId" | "fileName">): string {
  const root = snapshotsRoot(dataDir);
  const file = path.resolve(root, row.workloadId, row.fileName);
  if (!SNAPSHOT_FILE_NAME.test(row.fileName) || !/^[A-Za-z0-9_-]+$/.test(row.workloadId) || !isInside(root, file) || file === root) {
    throw new DomainError("PRECONDITION_FAILED", "This snapshot's stored file name is invalid; refusing to open it", {
      reason: "snapshot-file-name-invalid",
    });
  }
  return file;
}

/** The snapshot's file, checked to be a regular file there; PRECONDITION_FAILED `snapshot-file-missing` otherwise. */
export async function assertSnapshotFile(dataDir: string, row: Pick<Snapshot, "workloadId" | "fileName">): Promise<string> {
  const file = snapshotFilePath(dataDir, row);
  const st = await fs.lstat(file).catch(() => null);
  if (!st?.isFile()) {
    throw new DomainError("PRECONDITION_FAILED", "This snapshot's file is missing from the server", { reason: "snapshot-file-missing" });
  }
  return file;
}

export interface SnapshotManifestSummary {
  volumes: { index: number; target: string; scope: string; source: string; files: number; bytes: number }[];
  skipped: { volume: number | string; path: string; type: string }[];
}

export interface SnapshotView {
  id: string;
  workloadId: string;
  label: string;
  kind: string;
  size: bigint;
  sha256: string;
  manifest: SnapshotManifestSummary;
  capturedLive: boolean;
  /** the boot sweep found no file for this row: it cannot be restored or downloaded */
  fileMissing: boolean;
  /** never pruned automatically */
  pinned: boolean;
  /** the last verification (sha256 + a full strict read): when, how it ended and why it failed */
  verifiedAt: Date | null;
  verifyOutcome: string | null;
  verifyReason?: string;
  verifyParams?: ErrorParams;
  /**
   * Imported snapshots only (absent otherwise): whether a restore keeps setuid/setgid on
   * files. Snapshots this server captured always keep them.
   */
  keepSpecialBits?: boolean;
  /** imported snapshots: when the archive was taken (its manifest's createdAt); createdAt is when it arrived here */
  takenAt: Date | null;
  createdAt: Date;
  createdBy: string;
}

export function snapshotView(row: Snapshot): SnapshotView {
  const { fileName: _file, manifest, keepSpecialBits, verifyDetail, ...rest } = row;
  const failed = verifyDetail ? decodeReason(verifyDetail) : null;
  return {
    ...rest,
    ...(failed ? { verifyReason: failed.reason, verifyParams: failed.params ?? {} } : {}),
    manifest: JSON.parse(manifest) as SnapshotManifestSummary,
    ...(row.kind === "imported" ? { keepSpecialBits } : {}),
  };
}

export async function listSnapshots(deps: EngineDeps, _viewer: Actor, filter: { workloadId?: string } = {}): Promise<SnapshotView[]> {
  const { workloadId } = filter;
  const rows = await deps.db.snapshot.findMany({ where: workloadId ? { workloadId } : {}, orderBy: { createdAt: "desc" } });
  return rows.map(snapshotView);
}

export async function getSnapshotRow(db: Db, id: string): Promise<Snapshot> {
  const row = await db.snapshot.findUnique({ where: { id } });
  if (!row) throw notFound("snapshot");
  return row;
}

export async function getSnapshot(deps: EngineDeps, _viewer: Actor, id: string): Promise<SnapshotView> {
  return snapshotView(await getSnapshotRow(deps.db, id));
}

/** Removes the file, then the row; a file already gone still lets the row go, and says so. */
export async function deleteSnapshot(deps: EngineDeps, actor: Actor, id: string): Promise<{ fileWasMissing: boolean }> {
  const { db, dataDir } = deps;
  const row = await getSnapshotRow(db, id);
  let fileWasMissing = false;
  try {
    await fs.unlink(snapshotFilePath(dataDir, row));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    fileWasMissing = true;
  }
  await db.snapshot.delete({ where: { id } });
  await forgetUnwrittenCopies(db, id);
  await recordAudit(db, actor, {
    action: "snapshot.delete",
    target: id,
    outcome: "success",
    detail: fileWasMissing ? { note: "file was already missing" } : undefined,
  });
  return { fileWasMissing };
}

/**
 * A deleted snapshot's copies that were never written anywhere (queued, or failed before their
 * first commit) go with it; copies on a target stay, kept by the target's own retention.
 */
export async function forgetUnwrittenCopies(db: Db, snapshotId: string): Promise<void> {
  await db.snapshotCopy.deleteMany({ where: { snapshotId, copiedAt: null, state: { in: ["queued", "failed"] } } });
}

/** A pinned snapshot is never pruned automatically (pre-restore retention, the workload's retention policy). */
export async function pinSnapshot(deps: EngineDeps, actor: Actor, input: { id: string; pinned: boolean }): Promise<SnapshotView> {
  const { db } = deps;
  const { id, pinned } = input;
  await getSnapshotRow(db, id);
  const row = await db.snapshot.update({ where: { id }, data: { pinned } });
  await recordAudit(db, actor, { action: pinned ? "snapshot.pin" : "snapshot.unpin", target: id, outcome: "success" });
  return snapshotView(row);
}

export interface SnapshotFile {
  path: string;
  size: number;
  sha256: string;
  lastModified: Date;
  downloadName: string;
}

const safeNamePart = (s: string) => s.replace(/[/\\\u0000-\u001f\u007f]+/g, "_").trim();

/** Opens a stored snapshot for download (checked path, current size); audits every download. */
export async function openSnapshotFile(deps: EngineDeps, actor: Actor, input: { id: string; audit: boolean }): Promise<SnapshotFile> {
  const { db, dataDir } = deps;
  const { id } = input;
  const row = await db.snapshot.findUnique({ where: { id }, include: { workload: { select: { name: true } } } });
  if (!row) throw notFound("snapshot");
  const file = snapshotFilePath(dataDir, row);
  const stat = await fs.stat(file).catch(() => null);
  if (!stat?.isFile()) {
    throw new DomainError("NOT_FOUND", "This snapshot's file is missing from the server", { reason: "snapshot-file-missing" });
  }
  const label = safeNamePart(row.label) || row.createdAt.toISOString().replace(/[:.]/g, "-");
  if (input.audit) await recordAudit(db, actor, { action: "snapshot.download", target: id, outcome: "success" });
  return {
    path: file,
    size: stat.size,
    sha256: row.sha256,
    lastModified: stat.mtime,
    downloadName: `${row.workload.name}-${label}.tar.gz`,
  };
}
