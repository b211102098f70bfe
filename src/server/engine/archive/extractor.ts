import { closeSync, constants, fchmodSync, futimesSync, mkdirSync, openSync, writevSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { syncFilesystem } from "../durable-fs";
import { DomainError } from "../errors";
import { removeTree } from "../remove-tree";
import { isInside } from "../volumes";
import type { ArchiveLimits } from "./limits";
import type { SnapshotManifest } from "./manifest";
import { readSnapshotArchive } from "./strict-reader";

export interface ExtractOptions {
  /** volume index → an existing, empty staging dir (mkdtemp 0700, on the live volume's filesystem) */
  targets: Map<number, string>;
  limits?: Partial<ArchiveLimits>;
  onProgress?: (p: { bytesDone: number; volumeIndex: number }) => void;
}

// Exclusive create, never through a symlink: nothing in a staging dir is overwritten or followed.
const CREATE_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
// Files up to this size are buffered whole and written with synchronous calls (see writeSmallFile).
const SMALL_FILE = 256 * 1024;
// Larger files are written in batches of about this many bytes (one writev each).
const WRITE_BATCH = 1024 * 1024;

async function emptyDir(dir: string): Promise<void> {
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) await removeTree(path.join(dir, name));
}

/**
 * A small file in five system calls (open, writev, fchmod, futimes, close), made
 * synchronously as GNU tar makes them: through the promise API each is a thread-pool round
 * trip and a promise, which costs several times the syscall itself over 50,000 small files.
 * They block the event loop for microseconds; gunzip meanwhile runs on the thread pool.
 */
function writeSmallFile(full: string, chunks: Buffer[], mode: number, mtime: Date): void {
  const fd = openSync(full, CREATE_FILE, 0o600);
  try {
    if (chunks.length > 0) writeAll(fd, chunks);
    fchmodSync(fd, mode);
    futimesSync(fd, mtime, mtime);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, chunks: Buffer[]): void {
  let pending = chunks;
  while (pending.length > 0) {
    let written = writevSync(fd, pending);
    // A short write: drop what went out, go on with the rest.
    const rest: Buffer[] = [];
    for (const chunk of pending) {
      if (written >= chunk.length) written -= chunk.length;
      else {
        rest.push(written > 0 ? chunk.subarray(written) : chunk);
        written = 0;
      }
    }
    pending = rest;
  }
}

async function writeLargeFile(full: string, body: Readable, mode: number, mtime: Date, onBytes: (n: number) => void): Promise<void> {
  const handle = await fs.open(full, CREATE_FILE, 0o600);
  try {
    let batch: Buffer[] = [];
    let batchBytes = 0;
    const flush = async () => {
      // writev writes everything (Node loops over short writes); the batch is ours to drop.
      await handle.writev(batch);
      onBytes(batchBytes);
      batch = [];
      batchBytes = 0;
    };
    for await (const chunk of body as AsyncIterable<Buffer>) {
      batch.push(chunk);
      batchBytes += chunk.length;
      if (batchBytes >= WRITE_BATCH) await flush();
    }
    if (batchBytes > 0) await flush();
    await handle.chmod(mode);
    await handle.utimes(mtime, mtime);
  } finally {
    await handle.close();
  }
}

/**
 * Extracts a snapshot archive into per-volume staging dirs with the strict reader's rules:
 * regular files and directories only, created exclusively (never following or overwriting),
 * modes masked, owners never taken from the archive, mtimes applied after content (dirs
 * deepest first). Each directory is created once, by the first entry that needs it.
 *
 * Durable on return: one syncfs of each staging filesystem (syncFilesystem) instead of an
 * fsync per file and directory, so a journal written afterwards can name the staging dirs and
 * rely on their content surviving a crash. On any failure everything written is removed;
 * the staging dirs are left empty.
 */
export async function extractSnapshotArchive(input: Readable, opts: ExtractOptions): Promise<{ manifest: SnapshotManifest; files: number; dirs: number; bytes: number }> {
  const dirs: { path: string; mode: number; mtime: Date }[] = [];
  let files = 0;
  let bytes = 0;
  // Directories known to exist: the staging roots, and every one created so far.
  const existing = new Set([...opts.targets.values()].map((root) => path.resolve(root)));
  const ensureDir = (dir: string) => {
    if (existing.has(dir)) return;
    // recursive: parents may be listed later in the archive, or not at all (the reader allows both).
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (let d = dir; !existing.has(d); d = path.dirname(d)) existing.add(d);
  };
  const pathFor = (volumeIndex: number, relativePath: string) => {
    const root = opts.targets.get(volumeIndex);
    if (!root) throw new DomainError("BAD_REQUEST", `The archive's volume ${volumeIndex} has no staging folder`);
    const full = path.resolve(root, relativePath);
    if (!isInside(root, full)) throw new DomainError("BAD_REQUEST", `entry '${relativePath}' escapes its volume`);
    return full;
  };
  const progress = (volumeIndex: number) => (n: number) => {
    bytes += n;
    opts.onProgress?.({ bytesDone: bytes, volumeIndex });
  };
  try {
    const result = await readSnapshotArchive(input, {
      limits: opts.limits,
      async onEntry(entry, body) {
        const full = pathFor(entry.volumeIndex, entry.relativePath);
        if (entry.kind === "directory") {
          ensureDir(full);
          dirs.push({ path: full, mode: entry.mode, mtime: entry.mtime });
          return;
        }
        ensureDir(path.dirname(full));
        if (entry.size <= SMALL_FILE) {
          const chunks: Buffer[] = [];
          if (body) for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
          writeSmallFile(full, chunks, entry.mode, entry.mtime);
          if (entry.size > 0) progress(entry.volumeIndex)(entry.size);
        } else {
          await writeLargeFile(full, body!, entry.mode, entry.mtime, progress(entry.volumeIndex));
        }
        files++;
      },
    });
    const missing = result.manifest.volumes.filter((v) => !opts.targets.has(v.index)).map((v) => v.target);
    if (missing.length > 0) throw new DomainError("BAD_REQUEST", `No staging folder for volumes ${missing.join(", ")}`);
    // Deepest first, so setting a parent's mtime comes after its children were touched.
    for (const d of dirs.sort((x, y) => y.path.length - x.path.length)) {
      await fs.chmod(d.path, d.mode);
      await fs.utimes(d.path, d.mtime, d.mtime);
    }
    const filesystems = new Map<number, string>();
    for (const root of opts.targets.values()) filesystems.set((await fs.stat(root)).dev, root);
    for (const root of filesystems.values()) await syncFilesystem(root);
    return { manifest: result.manifest, files, dirs: dirs.length, bytes };
  } catch (error) {
    for (const root of opts.targets.values()) await emptyDir(root);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOSPC" || code === "EDQUOT") {
      throw new DomainError("PRECONDITION_FAILED", "Not enough space to stage the restore; the live data was not touched", { cause: error });
    }
    throw error;
  }
}
