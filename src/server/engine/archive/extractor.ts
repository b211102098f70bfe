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
import { pathKey } from "./path-key";
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
  let files = 0;
  let dirs = 0;
  let bytes = 0;
  // Every directory known to exist (the staging roots, and each one created since), kept as
  // its name under its parent's node, not as a path (paths reach 4 KiB), and found by path key
  // (path-key.ts). Directory entries' modes and mtimes (ms) wait here; mode -1: nothing to apply.
  const nodes: { parent: number; name: string; depth: number; mode: number; mtime: number }[] = [];
  const nodeIndex = new Map<string, number>();
  for (const root of opts.targets.values()) nodeIndex.set(pathKey(path.resolve(root)), nodes.push({ parent: -1, name: path.resolve(root), depth: 0, mode: -1, mtime: 0 }) - 1);
  const nodeFor = (dir: string): number => {
    const key = pathKey(dir);
    let index = nodeIndex.get(key);
    if (index === undefined) {
      const parent = nodeFor(path.dirname(dir));
      // A copy: basename's slice would keep the whole path alive.
      const name = Buffer.from(path.basename(dir)).toString();
      index = nodes.push({ parent, name, depth: nodes[parent]!.depth + 1, mode: -1, mtime: 0 }) - 1;
      nodeIndex.set(key, index);
    }
    return index;
  };
  const pathOf = (index: number): string => {
    const names: string[] = [];
    for (let i = index; i !== -1; i = nodes[i]!.parent) names.push(nodes[i]!.name);
    return path.join(...names.reverse());
  };
  let lastDir: { path: string; index: number } | undefined; // files come in runs per directory
  const ensureDir = (dir: string): number => {
    if (lastDir?.path === dir) return lastDir.index;
    // recursive: parents may be listed later in the archive, or not at all (the reader allows both).
    if (!nodeIndex.has(pathKey(dir))) mkdirSync(dir, { recursive: true, mode: 0o700 });
    lastDir = { path: dir, index: nodeFor(dir) };
    return lastDir.index;
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
          Object.assign(nodes[ensureDir(full)]!, { mode: entry.mode, mtime: entry.mtime.getTime() });
          dirs++;
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
    const listed = [...nodes.keys()].filter((i) => nodes[i]!.mode !== -1).sort((x, y) => nodes[y]!.depth - nodes[x]!.depth);
    for (const i of listed) {
      const dir = pathOf(i);
      const mtime = new Date(nodes[i]!.mtime);
      await fs.chmod(dir, nodes[i]!.mode);
      await fs.utimes(dir, mtime, mtime);
    }
    const filesystems = new Map<number, string>();
    for (const root of opts.targets.values()) filesystems.set((await fs.stat(root)).dev, root);
    for (const root of filesystems.values()) await syncFilesystem(root);
    return { manifest: result.manifest, files, dirs, bytes };
  } catch (error) {
    for (const root of opts.targets.values()) await emptyDir(root);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOSPC" || code === "EDQUOT") {
      throw new DomainError("PRECONDITION_FAILED", "Not enough space to stage the restore; the live data was not touched", { cause: error });
    }
    throw error;
  }
}
