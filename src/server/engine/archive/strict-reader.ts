import { once } from "node:events";
import { PassThrough, Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { Parser, type ReadEntry } from "tar";
import { ArchiveRejectedError } from "./errors";
import { resolveLimits, type ArchiveLimits } from "./limits";
import type { SnapshotManifest } from "./manifest";
import type { SparseSegment } from "./sparse-map";
import { TarGuard, type EntryKind, type GuardedEntry } from "./tar-guard";

export interface ArchiveEntry {
  kind: EntryKind;
  volumeIndex: number;
  /** Relative to the volume, no trailing slash; "" for the volume's root directory. */
  relativePath: string;
  /** v2: mode & 0o7777 (setuid, setgid, sticky included; the extractor applies its policy). v1: mode & 0o777. */
  mode: number;
  /** Numeric owner; undefined in v1 archives, whose owners are never applied. */
  uid?: number;
  gid?: number;
  /** Clamped to [1970-01-01, now + 1 day]; mtimeNs to the nanosecond. */
  mtime: Date;
  mtimeNs: bigint;
  /** Bytes of data in the archive; a sparse file's body (below) is its data segments only. */
  size: number;
  /** Symlink: the target text, verbatim (data, never followed). Hard link: the path of an earlier file of the same volume. */
  linkTarget?: string;
  /** A file with holes: its real size and data segments, which the body holds back to back. */
  sparse?: { realSize: number; segments: SparseSegment[] };
}

export interface ReadSnapshotArchiveOptions {
  limits?: Partial<ArchiveLimits>;
  /**
   * Called for each data entry, in archive order, one at a time. `body` is the file's data
   * (null for directories); whatever is left unread when the promise settles is drained.
   * A throw stops the read, which rejects with that error.
   */
  onEntry?: (entry: ArchiveEntry, body: Readable | null) => Promise<void>;
  /** Called for each data entry, in archive order, without its data: for a pass that only counts. */
  onEntryHeader?: (entry: ArchiveEntry) => void;
}

export interface ReadSnapshotArchiveResult {
  manifest: SnapshotManifest;
  /** Data entries (files and directories), not counting the manifest. */
  entries: number;
  /** Bytes of file data. */
  bytes: number;
}

const GZIP_MAGIC = [0x1f, 0x8b, 0x08]; // ID1 ID2 CM=deflate
// Entries handed to onEntry but not yet done. A directory has no data to hold the parser
// back, so without this bound the queue (a path of up to 4 KiB each) grows with the archive.
const MAX_QUEUED_ENTRIES = 64;
const NODE_TAR_TYPES: Record<EntryKind, string> = { file: "File", directory: "Directory", symlink: "SymbolicLink", hardlink: "Link" };

function publicEntry(e: GuardedEntry): ArchiveEntry {
  return {
    kind: e.kind,
    volumeIndex: e.volumeIndex,
    relativePath: e.relativePath,
    mode: e.mode,
    ...(e.uid !== undefined ? { uid: e.uid, gid: e.gid } : {}),
    mtime: e.mtime,
    mtimeNs: e.mtimeNs,
    size: e.size,
    ...(e.linkTarget !== undefined ? { linkTarget: e.linkTarget } : {}),
    ...(e.sparse ? { sparse: { realSize: e.sparse.realSize, segments: e.sparse.segments } } : {}),
  };
}

/** Drops the first `count` bytes: a sparse entry's map, which the guard has read already. */
function skipBytes(count: number): Transform {
  let left = count;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (left >= chunk.length) {
        left -= chunk.length;
        return callback();
      }
      const rest = chunk.subarray(left);
      left = 0;
      callback(null, rest);
    },
  });
}

function gzipReason(err: Error): string {
  const message = err.message;
  if (/unexpected end of file/.test(message)) return "truncated gzip stream";
  if (/incorrect data check/.test(message)) return "gzip CRC mismatch (corrupt data)";
  if (/incorrect length check/.test(message)) return "gzip length mismatch (corrupt data)";
  // Node's gunzip reads on after each member: what follows must be another gzip member.
  if (/incorrect header check|unknown compression method|unknown header flags/.test(message)) {
    return "trailing data after a gzip member (not a valid gzip member)";
  }
  return `corrupt gzip data (${message})`;
}

/**
 * Validate a snapshot archive while streaming it, and hand each data entry to `onEntry`
 * (or just drain it: the validation-only pass import uses). Any problem rejects the whole
 * archive with ArchiveRejectedError; see tar-guard.ts for the rules and DESIGN.md
 * "Restore protocol" for why. Layers: gzip magic check → zlib gunzip (multi-member, CRC)
 * → TarGuard (raw header checks, caps) → node-tar Parser (strict; cross-checked).
 */
export async function readSnapshotArchive(input: Readable, options: ReadSnapshotArchiveOptions = {}): Promise<ReadSnapshotArchiveResult> {
  const limits = resolveLimits(options.limits);
  const controller = new AbortController();
  let failure: unknown;
  let activeBody: PassThrough | null = null;
  const fail = (err: unknown) => {
    if (failure !== undefined) return;
    failure = err;
    controller.abort(err);
    // No error passed: a body nobody listens to must not throw; readers see a premature close.
    activeBody?.destroy();
  };

  let compressed = 0;
  let head: Buffer | null = Buffer.alloc(0); // bytes held until the magic is checked
  let gunzipEnded = false;
  const front = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (gunzipEnded) return callback(new ArchiveRejectedError("trailing data after the gzip stream"));
      if (head) {
        head = Buffer.concat([head, chunk]);
        if (head.length < GZIP_MAGIC.length) return callback();
        if (!GZIP_MAGIC.every((byte, i) => head![i] === byte)) return callback(new ArchiveRejectedError("not a gzip archive"));
        chunk = head;
        head = null;
      }
      compressed += chunk.length;
      callback(null, chunk);
    },
    flush(callback) {
      callback(head ? new ArchiveRejectedError("not a gzip archive") : null);
    },
  });
  // Larger output chunks than the 16 KiB default: fewer trips through the guard and the parser.
  const gunzip = createGunzip({ chunkSize: 128 * 1024 });
  const guard = new TarGuard(limits, () => compressed);
  // Listeners run before pipeline's, so the first, most specific error wins.
  front.on("error", fail);
  guard.on("error", fail);
  gunzip.on("error", (err) => fail(new ArchiveRejectedError(gzipReason(err), guard.location, { cause: err })));
  // Trailing zero bytes make Node's gunzip stop early and quietly; more input after that is garbage.
  gunzip.on("end", () => (gunzipEnded = true));

  const tarFailure = (message: string) => new ArchiveRejectedError(`tar parser: ${message}`, guard.location);
  // strict: node-tar turns its warnings (bad checksum, invalid entry, truncation) into errors.
  const parser = new Parser({
    strict: true,
    zstd: false,
    brotli: false,
    maxMetaEntrySize: limits.maxExtendedHeaderBytes,
    onwarn: (code, message) => fail(tarFailure(`${code}: ${message}`)),
  });
  parser.on("error", (err: Error) => fail(tarFailure(err.message)));
  parser.on("ignoredEntry", (entry: ReadEntry) => fail(tarFailure(`ignored entry '${entry.path}' (${entry.type})`)));

  let chain: Promise<void> = Promise.resolve();
  let queued = 0;
  let wake: (() => void) | null = null;
  const onEntry = options.onEntry;
  parser.on("entry", (entry: ReadEntry) => {
    // node-tar must see exactly what the guard validated: a parser differential is an attack.
    const expected = guard.expected.shift();
    if (
      !expected ||
      entry.path !== expected.rawPath ||
      entry.type !== NODE_TAR_TYPES[expected.kind] ||
      entry.size !== expected.size ||
      (entry.linkpath ?? undefined) !== expected.rawLinkTarget
    ) {
      fail(
        new ArchiveRejectedError(
          "tar parser disagrees with the header checks",
          expected && { entryNumber: expected.number, entryPath: expected.path },
        ),
      );
      entry.resume();
      return;
    }
    const data = expected.isManifest || expected.ignored ? null : publicEntry(expected);
    if (data && options.onEntryHeader) options.onEntryHeader(data);
    if (!data || !onEntry) {
      entry.resume();
      return;
    }
    queued++;
    chain = chain
      .then(async () => {
        if (failure !== undefined) return void entry.resume();
        // A sparse file's body starts after its map.
        const body = data.kind !== "file" ? null : expected.sparse ? skipBytes(expected.sparse.mapBytes) : new PassThrough();
        if (body) entry.pipe(body);
        else entry.resume();
        activeBody = body;
        try {
          await onEntry(data, body);
        } finally {
          activeBody = null;
          if (body) entry.unpipe(body);
          entry.resume(); // drain what onEntry left unread
        }
      })
      .catch(fail)
      .then(() => {
        queued--;
        if (queued <= MAX_QUEUED_ENTRIES) wake?.();
      });
  });

  const sink = async (source: AsyncIterable<Buffer>) => {
    const { signal } = controller;
    for await (const chunk of source) {
      if (!parser.write(chunk)) await once(parser, "drain", { signal });
      // Never waits for the last queued entry, which may still need input: its data comes after it.
      if (queued > MAX_QUEUED_ENTRIES) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
    const ended = once(parser, "end", { signal });
    parser.end();
    await ended;
    await chain;
  };

  try {
    await pipeline(input, front, gunzip, guard, sink, { signal: controller.signal });
  } catch (err) {
    fail(err);
  }
  if (failure === undefined && gunzip.bytesWritten !== compressed) fail(new ArchiveRejectedError("trailing data after the gzip stream"));
  if (failure === undefined && guard.expected.length)
    fail(new ArchiveRejectedError("tar parser disagrees with the header checks: entries missing"));
  if (failure !== undefined) {
    await chain; // let a running onEntry settle before the caller cleans up
    throw failure;
  }
  return { manifest: guard.manifest!, entries: guard.dataEntries, bytes: guard.dataBytes };
}
