import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  ftruncateSync,
  futimesSync,
  lchownSync,
  linkSync,
  lutimesSync,
  mkdirSync,
  statfsSync,
  openSync,
  symlinkSync,
  writeSync,
  writevSync,
} from "node:fs";
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type { Readable } from "node:stream";
import { syncFilesystem } from "../durable-fs";
import { DomainError } from "../errors";
import { isInside } from "../volumes";
import { ArchiveRejectedError } from "./errors";
import type { ArchiveLimits } from "./limits";
import type { SnapshotManifest } from "./manifest";
import { pathKey } from "./path-key";
import type { SparseSegment } from "./sparse-map";
import { readSnapshotArchive, type ArchiveEntry } from "./strict-reader";

export interface ExtractOptions {
  /** volume index → an existing, empty staging dir (mkdtemp 0700, on the live volume's filesystem) */
  targets: Map<number, string>;
  limits?: Partial<ArchiveLimits>;
  onProgress?: (p: { bytesDone: number; volumeIndex: number }) => void;
  /**
   * setuid / setgid on files: "keep" for snapshots this server captured, "strip" for imported
   * archives nobody vouched for (each stripped file is reported; the default). Directories always keep theirs.
   */
  fileSpecialBits?: "keep" | "strip";
  /**
   * Stop (as if the disk were full) before free space on a staging filesystem drops below
   * this: a restore stages beside the live data of a running workload, which must not be the
   * one to hit a full disk. Checked every 8 MiB and every 32 inodes written.
   */
  minFree?: { bytes: number; inodes: number };
}

export interface ExtractResult {
  manifest: SnapshotManifest;
  files: number;
  dirs: number;
  symlinks: number;
  hardlinks: number;
  bytes: number;
  /** Files whose setuid / setgid bits were removed: "<volume target>/<path>" as the container sees it. */
  strippedSpecialBits: { count: number; paths: string[] };
}

const execFileAsync = promisify(execFile);

// Exclusive create, never through a symlink: nothing in a staging dir is overwritten or followed.
const CREATE_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const OPEN_DIR = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
// Files up to this size are buffered whole and written with synchronous calls (see writeSmallFile).
const SMALL_FILE = 256 * 1024;
// Larger files are written in batches of about this many bytes (one writev each).
const WRITE_BATCH = 1024 * 1024;
const SPECIAL_FILE_BITS = 0o6000; // setuid, setgid
// Symlinks wait in memory until the end: their paths and targets count against this.
const MAX_PENDING_SYMLINK_BYTES = 64 * 1024 * 1024;
const MAX_LISTED_STRIPPED = 100;
// Between two free-space checks at most this much is written: well below the margin a
// restore keeps (32 MiB and 100 inodes), so the floor holds however the archive is made.
const SPACE_CHECK_BYTES = 8 * 1024 * 1024;
const SPACE_CHECK_INODES = 32;

const stagingSpaceError = (cause?: unknown) =>
  new DomainError("PRECONDITION_FAILED", "Not enough space to stage the restore; the live data was not touched", {
    cause,
    reason: "staging-no-space",
  });

/**
 * Counts what is written (bytes, and inodes: files, directories, links) and, every few MB or
 * few dozen inodes, throws once any of `roots`' filesystems has less free than `min`.
 */
function spaceGuard(roots: string[], min: ExtractOptions["minFree"]) {
  let bytes = 0;
  let inodes = 0;
  return (addBytes: number, addInodes: number) => {
    if (!min) return;
    bytes += addBytes;
    inodes += addInodes;
    if (inodes < SPACE_CHECK_INODES && bytes < SPACE_CHECK_BYTES) return;
    bytes = inodes = 0;
    for (const root of roots) {
      const fsStat = statfsSync(root);
      // Filesystems without an inode limit (btrfs, some tmpfs) report 0 files.
      if (fsStat.bavail * fsStat.bsize < min.bytes || (fsStat.files > 0 && fsStat.ffree < min.inodes)) throw stagingSpaceError();
    }
  };
}

/** Removes everything in `dir` (not `dir`): one `rm` per batch of names, never following a link. */
async function emptyDir(dir: string): Promise<void> {
  await execFileAsync("find", [dir, "-mindepth", "1", "-maxdepth", "1", "-exec", "rm", "-rf", "--one-file-system", "--", "{}", "+"]).catch(
    () => undefined,
  );
}

/**
 * Seconds as a double: utimes takes no nanoseconds in Node. Cut to whole microseconds first,
 * so x.999999999 never rounds up into the next second.
 */
const seconds = (ns: bigint) => Number(ns / 1_000_000_000n) + Number((ns % 1_000_000_000n) / 1000n) / 1e6;

interface Metadata {
  mode: number;
  uid?: number;
  gid?: number;
  mtimeNs: bigint;
}

/** Owner first (chown clears setuid / setgid), then mode, then times; all on the descriptor. */
function applyMetadata(fd: number, m: Metadata): void {
  if (m.uid !== undefined) fchownSync(fd, m.uid, m.gid!);
  fchmodSync(fd, m.mode);
  const t = seconds(m.mtimeNs);
  futimesSync(fd, t, t);
}

/**
 * A small file in a handful of system calls (open, writev or pwrite per segment, fchown,
 * fchmod, futimes, close), made synchronously as GNU tar makes them: through the promise API
 * each is a thread-pool round trip and a promise, which costs several times the syscall
 * itself over 50,000 small files. Gunzip meanwhile runs on the thread pool.
 */
function writeSmallFile(full: string, chunks: Buffer[], m: Metadata, sparse: ArchiveEntry["sparse"]): void {
  const fd = openSync(full, CREATE_FILE, 0o600);
  try {
    if (sparse) writeSegments(fd, Buffer.concat(chunks), sparse.segments, sparse.realSize);
    else if (chunks.length > 0) writeAll(fd, chunks);
    applyMetadata(fd, m);
  } finally {
    closeSync(fd);
  }
}

/** A sparse file's data segments at their offsets; the holes between stay unallocated. */
function writeSegments(fd: number, data: Buffer, segments: readonly SparseSegment[], realSize: number): void {
  ftruncateSync(fd, realSize);
  let from = 0;
  for (const [offset, length] of segments) {
    for (let done = 0; done < length; ) done += writeSync(fd, data, from + done, length - done, offset + done);
    from += length;
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

async function writeLargeFile(
  full: string,
  body: Readable,
  m: Metadata,
  sparse: ArchiveEntry["sparse"],
  onBytes: (n: number) => void,
): Promise<void> {
  const handle = await fs.open(full, CREATE_FILE, 0o600);
  try {
    // Where the next body byte goes: plain files are written in order, sparse ones segment by segment.
    const segments = sparse?.segments ?? [];
    if (sparse) await handle.truncate(sparse.realSize);
    let segment = 0;
    let intoSegment = 0;
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
      if (!sparse) {
        batch.push(chunk);
        batchBytes += chunk.length;
        if (batchBytes >= WRITE_BATCH) await flush();
        continue;
      }
      for (let used = 0; used < chunk.length; ) {
        const [offset, length] = segments[segment]!;
        const n = Math.min(length - intoSegment, chunk.length - used);
        for (let done = 0; done < n; ) done += (await handle.write(chunk, used + done, n - done, offset + intoSegment + done)).bytesWritten;
        used += n;
        intoSegment += n;
        onBytes(n);
        if (intoSegment === length) [segment, intoSegment] = [segment + 1, 0];
      }
    }
    if (batchBytes > 0) await flush();
    applyMetadata(handle.fd, m);
  } finally {
    await handle.close();
  }
}

/**
 * Extracts a snapshot archive into per-volume staging dirs with the strict reader's rules,
 * reproducing the tree GNU tar (`--numeric-owner -xpf`, as root) would, without trusting the
 * archive:
 * - regular files and directories as they come, created exclusively (never following or
 *   overwriting); hard links as they come (the reader checked each names an earlier file of
 *   its volume); symlinks last, after every directory they could sit in exists, so nothing
 *   is ever created or opened through one;
 * - numeric owners (v2; v1 archives have none), then modes (chown clears setuid), then
 *   mtimes, on descriptors or with lchown / lutimes; directories last, deepest first, so a
 *   0500 or 0000 directory can still be filled and its mtime is not disturbed afterwards;
 * - files' setuid / setgid per `fileSpecialBits`.
 *
 * Durable on return: one syncfs of each staging filesystem (syncFilesystem) instead of an
 * fsync per file and directory, so a journal written afterwards can name the staging dirs and
 * rely on their content surviving a crash. On any failure everything written is removed;
 * the staging dirs are left empty.
 */
export async function extractSnapshotArchive(input: Readable, opts: ExtractOptions): Promise<ExtractResult> {
  let files = 0;
  let dirs = 0;
  let hardlinks = 0;
  let bytes = 0;
  // Every directory known to exist (the staging roots, and each one created since), kept as
  // its name under its parent's node, not as a path (paths reach 4 KiB), and found by path key
  // (path-key.ts). Directory entries' metadata waits here; mode -1: nothing to apply.
  const nodes: { parent: number; name: string; depth: number; mode: number; uid?: number; gid?: number; mtimeNs: bigint }[] = [];
  const nodeIndex = new Map<string, number>();
  for (const root of opts.targets.values())
    nodeIndex.set(pathKey(path.resolve(root)), nodes.push({ parent: -1, name: path.resolve(root), depth: 0, mode: -1, mtimeNs: 0n }) - 1);
  const nodeFor = (dir: string): number => {
    const key = pathKey(dir);
    let index = nodeIndex.get(key);
    if (index === undefined) {
      const parent = nodeFor(path.dirname(dir));
      // A copy: basename's slice would keep the whole path alive.
      const name = Buffer.from(path.basename(dir)).toString();
      index = nodes.push({ parent, name, depth: nodes[parent]!.depth + 1, mode: -1, mtimeNs: 0n }) - 1;
      nodeIndex.set(key, index);
    }
    return index;
  };
  const pathOf = (index: number): string => {
    const names: string[] = [];
    for (let i = index; i !== -1; i = nodes[i]!.parent) names.push(nodes[i]!.name);
    return path.join(...names.reverse());
  };
  const checkSpace = spaceGuard([...opts.targets.values()], opts.minFree);
  let lastDir: { path: string; index: number } | undefined; // files come in runs per directory
  const ensureDir = (dir: string): number => {
    if (lastDir?.path === dir) return lastDir.index;
    // recursive: parents may be listed later in the archive, or not at all (the reader allows
    // both). No symlink exists yet in staging, so nothing on the way can be one.
    if (!nodeIndex.has(pathKey(dir))) {
      const first = mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (first) checkSpace(0, path.relative(first, dir).split(path.sep).length);
    }
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
    checkSpace(n, 0);
    opts.onProgress?.({ bytesDone: bytes, volumeIndex });
  };
  const symlinks: { full: string; target: string; uid?: number; gid?: number; mtimeNs: bigint }[] = [];
  let symlinkBytes = 0;
  const stripped: { volumeIndex: number; relativePath: string }[] = [];
  let strippedCount = 0;
  const fileMetadata = (entry: ArchiveEntry): Metadata => {
    let mode = entry.mode;
    if (opts.fileSpecialBits !== "keep" && mode & SPECIAL_FILE_BITS) {
      mode &= ~SPECIAL_FILE_BITS;
      if (strippedCount++ < MAX_LISTED_STRIPPED) stripped.push({ volumeIndex: entry.volumeIndex, relativePath: entry.relativePath });
    }
    return { mode, uid: entry.uid, gid: entry.gid, mtimeNs: entry.mtimeNs };
  };
  const writeEntry = async (entry: ArchiveEntry, body: Readable | null) => {
    const full = pathFor(entry.volumeIndex, entry.relativePath);
    switch (entry.kind) {
      case "directory":
        Object.assign(nodes[ensureDir(full)]!, { mode: entry.mode, uid: entry.uid, gid: entry.gid, mtimeNs: entry.mtimeNs });
        dirs++;
        return;
      case "hardlink":
        ensureDir(path.dirname(full));
        // link(2) does not follow its source, and no symlink exists yet: both paths are ours.
        linkSync(pathFor(entry.volumeIndex, entry.linkTarget!), full);
        hardlinks++;
        return;
      case "symlink":
        ensureDir(path.dirname(full)); // now, while no symlink exists
        // Each pending link costs its strings plus a few hundred bytes of object.
        symlinkBytes += full.length + entry.linkTarget!.length + 256;
        if (symlinkBytes > MAX_PENDING_SYMLINK_BYTES)
          throw new ArchiveRejectedError(`symbolic links' paths and targets exceed ${MAX_PENDING_SYMLINK_BYTES} bytes`);
        symlinks.push({ full, target: entry.linkTarget!, uid: entry.uid, gid: entry.gid, mtimeNs: entry.mtimeNs });
        return;
      case "file":
        break;
    }
    ensureDir(path.dirname(full));
    const metadata = fileMetadata(entry);
    if (entry.size <= SMALL_FILE) {
      const chunks: Buffer[] = [];
      if (body) for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
      writeSmallFile(full, chunks, metadata, entry.sparse);
      // Progress counts a file's size, holes included (as the manifest does).
      const size = entry.sparse?.realSize ?? entry.size;
      if (size > 0) progress(entry.volumeIndex)(size);
    } else {
      await writeLargeFile(full, body!, metadata, entry.sparse, progress(entry.volumeIndex));
      if (entry.sparse)
        progress(entry.volumeIndex)(entry.sparse.realSize - entry.sparse.segments.reduce((sum, [, length]) => sum + length, 0));
    }
    files++;
  };
  try {
    const result = await readSnapshotArchive(input, {
      limits: opts.limits,
      async onEntry(entry, body) {
        await writeEntry(entry, body);
        // The entry's inode (a symlink's comes later, counted when it is made).
        if (entry.kind !== "symlink") checkSpace(0, 1);
      },
    });
    const missing = result.manifest.volumes.filter((v) => !opts.targets.has(v.index)).map((v) => v.target);
    if (missing.length > 0) throw new DomainError("BAD_REQUEST", `No staging folder for volumes ${missing.join(", ")}`);
    // Symlinks last: symlink(2) never follows its own path, and lchown / lutimes act on the link.
    for (const link of symlinks) {
      checkSpace(link.target.length, 1);
      symlinkSync(link.target, link.full);
      if (link.uid !== undefined) lchownSync(link.full, link.uid, link.gid!);
      const t = seconds(link.mtimeNs);
      lutimesSync(link.full, t, t);
    }
    // Deepest first, so setting a parent's mtime comes after its children were touched.
    // Opened with O_NOFOLLOW: a directory is never reached through a symlink in its place.
    const listed = [...nodes.keys()].filter((i) => nodes[i]!.mode !== -1).sort((x, y) => nodes[y]!.depth - nodes[x]!.depth);
    for (const i of listed) {
      const node = nodes[i]!;
      const fd = openSync(pathOf(i), OPEN_DIR);
      try {
        applyMetadata(fd, node);
      } finally {
        closeSync(fd);
      }
    }
    const filesystems = new Map<number, string>();
    for (const root of opts.targets.values()) filesystems.set((await fs.stat(root)).dev, root);
    for (const root of filesystems.values()) await syncFilesystem(root);
    const targetOf = new Map(result.manifest.volumes.map((v) => [v.index, v.target]));
    return {
      manifest: result.manifest,
      files,
      dirs,
      symlinks: symlinks.length,
      hardlinks,
      bytes,
      strippedSpecialBits: {
        count: strippedCount,
        paths: stripped.map((s) => path.posix.join(targetOf.get(s.volumeIndex) ?? "/", s.relativePath)),
      },
    };
  } catch (error) {
    for (const root of opts.targets.values()) await emptyDir(root);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOSPC" || code === "EDQUOT") throw stagingSpaceError(error);
    throw error;
  }
}
