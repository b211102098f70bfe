// Packs walked entries into the tar stream as fixed-size blocks (the unit the parallel gzip
// compresses), without the per-entry overhead of a chunk-per-write stream:
// - headers, padding and file data are copied (or read) straight into the current block;
// - a large file is read from disk directly into the block, no intermediate buffer;
// - a small file costs one open, one fstat, one read (straight into the block) and one
//   close, made synchronously like GNU tar does, in event-loop-friendly slices
//   (createSyncSlicer), instead of four thread-pool round trips and promises.
// Every file is checked against what the walk saw (same inode, same size, not grown or
// shrunk while read): an archive never carries a header that disagrees with its data.
import { closeSync, constants, fstatSync, openSync, readSync, type BigIntStats } from "node:fs";
import fsp from "node:fs/promises";
import { ArchiveSourceChangedError } from "./errors";
import { VOLUMES_DIR } from "./paths";
import { encodeSparseMap, scanDataSegments, type SparseSegment } from "./sparse-map";
import { encodeHeader, END_OF_ARCHIVE, paddingFor, type UstarEntry } from "./ustar";

/**
 * One walked entry, as compact as it can be: 50,000 small files are 50,000 of these, held
 * for the whole capture. Host and volume-relative paths are derived from `archivePath`.
 */
export interface PackedEntry {
  volumeIndex: number;
  kind: "file" | "directory" | "symlink" | "hardlink";
  /** `volumes/<index>/<path in the volume>`, directories with a trailing slash. */
  archivePath: string;
  /** mode & 0o7777 */
  mode: number;
  mtimeNs: bigint;
  uid: number;
  gid: number;
  /** A file's real size; 0 for the other kinds. */
  size: number;
  dev: bigint;
  ino: bigint;
  /** Symlink: its target. Hard link: the archive path of the file's first name. */
  linkTarget?: string;
  /** A file with more than one name (hard links are resolved after sorting). */
  linked?: boolean;
  /** Takes fewer blocks than its size: scanned for holes right before it is packed. */
  maybeSparse?: boolean;
}

export interface PackOptions {
  blockSize: number;
  /** volume index → the host folder its entries are read from */
  hostRoots: ReadonlyMap<number, string>;
  /** Called after each piece of file data is packed, with the bytes of that piece. */
  onData?: (entry: PackedEntry, bytes: number) => void;
  signal?: AbortSignal;
}

// One read per call at most this big: progress is reported per read (and tests mutate files
// between reads at these offsets).
const READ_CHUNK = 256 * 1024;
// Files up to this size are read whole, synchronously (see packTar).
const SMALL_FILE = 64 * 1024;
// Synchronous file-system calls run in slices of at most this long, then the event loop gets a turn.
const SYNC_SLICE_MS = 5;
// O_NONBLOCK: a FIFO swapped in after the walk must fail the fstat check, not hang open().
const OPEN_FILE = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
// O_NOATIME (GNU tar's --atime-preserve=system): taking a snapshot does not touch the volume,
// and the next sync of that filesystem is spared an inode write per file read (measured: a
// restore's staging sync flushed the pre-restore snapshot's 50,000 atime updates). Only the
// file's owner or a privileged process may ask for it; for others the open is retried without.
const NOATIME = constants.O_NOATIME ?? 0;
const isDenied = (err: unknown) => NOATIME !== 0 && (err as NodeJS.ErrnoException).code === "EPERM";

function openForReadSync(hostPath: string): number {
  try {
    return openSync(hostPath, OPEN_FILE | NOATIME);
  } catch (err) {
    if (isDenied(err)) return openSync(hostPath, OPEN_FILE);
    throw err;
  }
}

const openForRead = (hostPath: string) =>
  fsp.open(hostPath, OPEN_FILE | NOATIME).catch((err: unknown) => (isDenied(err) ? fsp.open(hostPath, OPEN_FILE) : Promise.reject(err)));

const isGone = (err: unknown) => ["ENOENT", "ENOTDIR", "ELOOP"].includes((err as NodeJS.ErrnoException).code ?? "");
/** The path inside the volume: `archivePath` without `volumes/<index>/` and a trailing slash. */
export const relativePathOf = (entry: PackedEntry) =>
  entry.archivePath.slice(entry.archivePath.indexOf("/", VOLUMES_DIR.length + 1) + 1).replace(/\/$/, "");
const changed = (entry: PackedEntry, what: string) => new ArchiveSourceChangedError(entry.volumeIndex, relativePathOf(entry), what);

async function openChecked(entry: PackedEntry, hostPath: string): Promise<fsp.FileHandle> {
  const handle = await openForRead(hostPath).catch((err: unknown) => {
    // ELOOP: O_NOFOLLOW met a symlink where the walk saw a regular file.
    if ((err as NodeJS.ErrnoException).code === "ELOOP") throw changed(entry, "was replaced");
    throw isGone(err) ? changed(entry, "vanished") : err;
  });
  try {
    // Same inode as walked: a path swapped (or re-pointed via a parent symlink) is refused.
    const st: BigIntStats = await handle.stat({ bigint: true });
    if (!st.isFile() || st.dev !== entry.dev || st.ino !== entry.ino) throw changed(entry, "was replaced");
    if (Number(st.size) !== entry.size) throw changed(entry, "changed size");
    return handle;
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/**
 * A small file, read synchronously into `target` at `offset` (which has room for size + 1
 * bytes: one read of one byte more than expected tells a file that grew or shrank).
 */
function readSmallFileSync(entry: PackedEntry, hostPath: string, target: Buffer, offset: number): void {
  let fd: number;
  try {
    fd = openForReadSync(hostPath);
  } catch (err) {
    // ELOOP: O_NOFOLLOW met a symlink where the walk saw a regular file.
    if ((err as NodeJS.ErrnoException).code === "ELOOP") throw changed(entry, "was replaced");
    throw isGone(err) ? changed(entry, "vanished") : err;
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    if (!st.isFile() || st.dev !== entry.dev || st.ino !== entry.ino) throw changed(entry, "was replaced");
    if (Number(st.size) !== entry.size) throw changed(entry, "changed size");
    let filled = 0;
    while (filled <= entry.size) {
      const n = readSync(fd, target, offset + filled, entry.size + 1 - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    if (filled < entry.size) throw changed(entry, "shrank");
    if (filled > entry.size) throw changed(entry, "grew");
  } finally {
    closeSync(fd);
  }
}

/**
 * For runs of small synchronous fs calls (lstat, open/fstat/read/close of a small file):
 * measured on 50,000 small files, the promise API costs 3-6× the CPU of the syscalls
 * themselves (a thread-pool round trip and a promise per call), and CPU is what capture is
 * short of while every core compresses. Synchronous calls block the event loop, so they run
 * in slices: `await slicer.breathe()` before each call yields once a slice is used up.
 */
export function createSyncSlicer(sliceMs = SYNC_SLICE_MS) {
  let started = performance.now();
  return {
    async breathe(): Promise<void> {
      if (performance.now() - started < sliceMs) return;
      await new Promise((resolve) => setImmediate(resolve));
      started = performance.now();
    },
  };
}

/**
 * The tar stream of `entries` (preceded by `first`, e.g. the manifest) as blocks of exactly
 * `blockSize` bytes, the last one shorter. Each yielded block is a fresh buffer the consumer
 * may keep.
 */
export async function* packTar(
  first: { header: UstarEntry; body: Buffer },
  entries: readonly PackedEntry[],
  options: PackOptions,
): AsyncGenerator<Buffer> {
  const { blockSize, signal } = options;
  let block = Buffer.allocUnsafe(blockSize);
  let used = 0;
  // Copies bytes in, yielding each block as it fills.
  function* put(data: Buffer): Generator<Buffer> {
    for (let offset = 0; offset < data.length; ) {
      const n = data.copy(block, used, offset);
      used += n;
      offset += n;
      if (used === blockSize) yield next();
    }
  }
  function* zeros(count: number): Generator<Buffer> {
    while (count > 0) {
      const n = Math.min(count, blockSize - used);
      block.fill(0, used, used + n);
      used += n;
      count -= n;
      if (used === blockSize) yield next();
    }
  }
  function next(): Buffer {
    const full = block;
    block = Buffer.allocUnsafe(blockSize);
    used = 0;
    return full;
  }

  yield* put(encodeHeader(first.header));
  yield* put(first.body);
  yield* zeros(paddingFor(first.body.length));
  const slicer = createSyncSlicer();
  const small = Buffer.allocUnsafe(SMALL_FILE + 1);
  for (let i = 0; i < entries.length; i++) {
    signal?.throwIfAborted();
    const entry = entries[i]!;
    const hostPath = `${options.hostRoots.get(entry.volumeIndex)}/${relativePathOf(entry)}`;
    // A file with holes is scanned now, just before its data is read: its map goes in the header.
    let handle: fsp.FileHandle | undefined;
    let sparse: { segments: SparseSegment[]; map: Buffer; holes: number } | undefined;
    if (entry.maybeSparse) {
      handle = await openChecked(entry, hostPath);
      try {
        const h = handle;
        const segments = await scanDataSegments(
          async (buffer, length, position) => (await h.read(buffer, 0, length, position)).bytesRead,
          entry.size,
          signal,
        );
        const data = segments.reduce((sum, [, length]) => sum + length, 0);
        if (data < entry.size) sparse = { segments, map: encodeSparseMap(segments, entry.size), holes: entry.size - data }; // else no hole after all
      } catch (err) {
        await handle.close();
        throw err;
      }
    }
    const size = sparse ? sparse.map.length + entry.size - sparse.holes : entry.size;
    yield* put(
      encodeHeader({
        path: entry.archivePath,
        type: entry.kind,
        size,
        mode: entry.mode,
        mtime: Number(entry.mtimeNs / 1_000_000_000n),
        mtimeNs: entry.mtimeNs,
        uid: entry.uid,
        gid: entry.gid,
        ...(entry.linkTarget !== undefined ? { linkTarget: entry.linkTarget } : {}),
        ...(sparse ? { sparse: { realSize: entry.size } } : {}),
      }),
    );
    if (entry.kind !== "file" || size === 0) {
      await handle?.close();
      continue;
    }
    // Segments to read: a sparse file's data segments (after its map), else the whole file.
    let ranges: readonly SparseSegment[] = [[0, entry.size]];
    if (sparse) {
      yield* put(sparse.map);
      // Progress counts a file's size, holes included (as the manifest does).
      options.onData?.(entry, sparse.holes);
      ranges = sparse.segments;
    }
    if (!handle && entry.size <= SMALL_FILE) {
      await slicer.breathe();
      // Straight into the block when it has room (for the extra byte too), else via `small`.
      if (blockSize - used > entry.size) {
        readSmallFileSync(entry, hostPath, block, used);
        used += entry.size;
      } else {
        readSmallFileSync(entry, hostPath, small, 0);
        yield* put(small.subarray(0, entry.size));
      }
      options.onData?.(entry, entry.size);
    } else {
      // Large: read straight into the block, then make sure the file did not grow.
      const file = handle ?? (await openChecked(entry, hostPath));
      try {
        for (const [offset, length] of ranges) {
          for (let position = offset; position < offset + length; ) {
            signal?.throwIfAborted();
            const want = Math.min(READ_CHUNK, offset + length - position, blockSize - used);
            const { bytesRead } = await file.read(block, used, want, position);
            if (bytesRead === 0) throw changed(entry, "shrank");
            used += bytesRead;
            position += bytesRead;
            options.onData?.(entry, bytesRead);
            if (used === blockSize) yield next();
          }
        }
        const probe = await file.read(Buffer.alloc(1), 0, 1, entry.size);
        if (probe.bytesRead !== 0) throw changed(entry, "grew");
      } finally {
        await file.close();
      }
    }
    yield* zeros(paddingFor(size));
  }
  yield* put(END_OF_ARCHIVE);
  if (used > 0) yield block.subarray(0, used);
}
