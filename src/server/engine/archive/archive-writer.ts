import { createHash } from "node:crypto";
import { constants, existsSync, lstatSync, readlinkSync, type BigIntStats } from "node:fs";
import fsp, { type FileHandle } from "node:fs/promises";
import { Readable, Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DomainError } from "../errors";
import { ArchiveSourceChangedError, showPath } from "./errors";
import { declaredAllowance, DEFAULT_ARCHIVE_LIMITS } from "./limits";
import {
  MANIFEST_MAX_BYTES,
  MANIFEST_MAX_SKIPPED,
  MANIFEST_NAME,
  MANIFEST_VERSION,
  parseManifest,
  type ManifestSkipped,
  type SkippedType,
  type SnapshotManifest,
} from "./manifest";
import { ParallelGzip, PARALLEL_GZIP_BLOCK } from "./parallel-gzip";
import { clampMtimeNs, MAX_LINK_TARGET_BYTES, segmentProblem, volumeEntryPath } from "./paths";
import { looksSparse, MAX_SPARSE_REAL_SIZE } from "./sparse-map";
import { createSyncSlicer, packTar, type PackedEntry } from "./tar-packer";

export { ArchiveSourceChangedError };

export interface ArchiveVolumeInput {
  index: number;
  target: string;
  scope: string;
  source: string;
  /** Host directory to capture (resolved by the caller from the workload's config). */
  hostPath: string;
}

export interface ArchiveMeta {
  snapshotId: string;
  workloadId: string;
  workloadName: string;
  createdAt: Date | string;
}

export interface ArchiveProgress {
  bytesDone: number;
  bytesTotal: number;
  volumeIndex: number;
}

export interface WriteSnapshotArchiveOptions {
  volumes: ArchiveVolumeInput[];
  meta: ArchiveMeta;
  /** Receives the .tar.gz bytes; it is ended when the archive is complete. */
  output: Writable;
  /** Deflate level for compressible data (default 6); data that looks random is stored. */
  gzipLevel?: number;
  /** Called after every chunk of file data handed to gzip. */
  onProgress?: (progress: ArchiveProgress) => void;
  signal?: AbortSignal;
}

export interface WriteSnapshotArchiveResult {
  manifest: SnapshotManifest;
  /** Hex sha256 of the compressed bytes written to `output`. */
  sha256: string;
  /** Compressed bytes written to `output`. */
  size: number;
}

type WalkedEntry = PackedEntry;

interface WalkState {
  entries: WalkedEntry[];
  skipped: ManifestSkipped[];
  signal?: AbortSignal;
  slicer: ReturnType<typeof createSyncSlicer>;
}

// Room the skipped list may take in the manifest; the rest is only counted.
const SKIPPED_BUDGET_BYTES = 256 * 1024;
const OPEN_DIR = constants.O_RDONLY | constants.O_DIRECTORY;

// On Linux, `/proc/self/fd/<dirfd>/<name>` resolves <name> inside the directory we hold
// open, like openat(2): a directory swapped for a symlink mid-walk cannot lead us outside
// the volume. Elsewhere we fall back to plain paths.
let procFd: string | null | undefined;
const dirBase = (handle: FileHandle, dirPath: Buffer): Buffer => {
  procFd ??= existsSync("/proc/self/fd") ? "/proc/self/fd" : null;
  return procFd ? Buffer.from(`${procFd}/${handle.fd}`) : dirPath;
};

const isGone = (err: unknown) => ["ENOENT", "ENOTDIR", "ELOOP"].includes((err as NodeJS.ErrnoException).code ?? "");
const utf8 = new TextDecoder("utf-8", { fatal: true });

function decodeName(raw: Buffer): string | null {
  try {
    return utf8.decode(raw);
  } catch {
    return null;
  }
}

function skippedType(st: { isSocket(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): SkippedType {
  if (st.isSocket()) return "socket";
  if (st.isFIFO()) return "fifo";
  if (st.isCharacterDevice()) return "character-device";
  if (st.isBlockDevice()) return "block-device";
  return "other";
}

/** Would the default strict reader refuse this path? Such names are skipped, not archived. */
function nameProblem(name: string | null, archivePath: string): boolean {
  if (name === null || segmentProblem(name) !== null) return true;
  return (
    Buffer.byteLength(archivePath) > DEFAULT_ARCHIVE_LIMITS.maxPathLength ||
    archivePath.replace(/\/$/, "").split("/").length > DEFAULT_ARCHIVE_LIMITS.maxPathDepth
  );
}

/** A symlink's target, or null when the reader would refuse it (not UTF-8, empty, too long). */
function readLinkTarget(fsPath: Buffer): string | null | "gone" {
  let raw: Buffer;
  try {
    raw = readlinkSync(fsPath, { encoding: "buffer" });
  } catch (err) {
    if (isGone(err) || (err as NodeJS.ErrnoException).code === "EINVAL") return "gone"; // replaced by a non-link: never captured
    throw err;
  }
  // A newline would end node-tar's pax record early (the reader then refuses the archive).
  if (raw.length === 0 || raw.length > MAX_LINK_TARGET_BYTES || raw.includes(0x0a)) return null;
  return decodeName(raw);
}

function walkedEntry(
  volumeIndex: number,
  kind: PackedEntry["kind"],
  archivePath: string,
  st: BigIntStats,
  linkTarget?: string,
): PackedEntry {
  if (st.size > BigInt(MAX_SPARSE_REAL_SIZE)) {
    throw new DomainError(
      "PAYLOAD_TOO_LARGE",
      `cannot write snapshot: volume ${volumeIndex}: ${showPath(archivePath)} is larger than ${MAX_SPARSE_REAL_SIZE} bytes`,
      { reason: "archive-too-large" },
    );
  }
  return {
    volumeIndex,
    kind,
    archivePath,
    mode: Number(st.mode) & 0o7777,
    mtimeNs: clampMtimeNs(st.mtimeNs), // written as the reader keeps it, so it always parses
    uid: Number(st.uid),
    gid: Number(st.gid),
    size: kind === "file" ? Number(st.size) : 0,
    dev: st.dev,
    ino: st.ino,
    ...(kind === "file" && st.nlink > 1n ? { linked: true } : {}),
    ...(kind === "file" && looksSparse(st.size, st.blocks) ? { maybeSparse: true } : {}),
    ...(linkTarget !== undefined ? { linkTarget } : {}),
  };
}

/**
 * After sorting: the first path of a multiply-linked file (per volume) is archived as a
 * regular file, the later ones as hard links to it, as GNU tar does.
 */
function resolveHardLinks(entries: PackedEntry[]): void {
  const firstPath = new Map<string, string>();
  for (const entry of entries) {
    if (!entry.linked) continue;
    const key = `${entry.volumeIndex}:${entry.dev}:${entry.ino}`;
    const first = firstPath.get(key);
    if (first === undefined) firstPath.set(key, entry.archivePath);
    else Object.assign(entry, { kind: "hardlink", linkTarget: first, size: 0, maybeSparse: undefined });
  }
}

async function walkDirectory(
  state: WalkState,
  volume: ArchiveVolumeInput,
  dirPath: Buffer,
  expected: { dev: bigint; ino: bigint },
  relativePath: string,
  isRoot: boolean,
): Promise<void> {
  state.signal?.throwIfAborted();
  // Symlinks are never followed; only the configured volume root itself may be one.
  const handle = await fsp.open(dirPath, isRoot ? OPEN_DIR : OPEN_DIR | constants.O_NOFOLLOW).catch((err: unknown) => {
    throw isGone(err) ? new ArchiveSourceChangedError(volume.index, relativePath, "vanished") : err;
  });
  try {
    const st = await handle.stat({ bigint: true });
    if (st.dev !== expected.dev || st.ino !== expected.ino) {
      throw new ArchiveSourceChangedError(volume.index, relativePath, "was replaced");
    }
    const base = dirBase(handle, dirPath);
    const names = (await fsp.readdir(base, { encoding: "buffer" })).sort(Buffer.compare);
    const seen = new Set<string>(); // NFC forms: the reader refuses normalization twins
    for (const raw of names) {
      const name = decodeName(raw);
      const shownName = name ?? raw.toString("utf8");
      const childRelative = relativePath ? `${relativePath}/${shownName}` : shownName;
      const childFsPath = Buffer.concat([base, Buffer.from("/"), raw]);
      // Synchronous, in slices (createSyncSlicer): one lstat per entry is the walk's whole cost.
      await state.slicer.breathe();
      let lst: BigIntStats;
      try {
        lst = lstatSync(childFsPath, { bigint: true });
      } catch (err) {
        if (isGone(err)) continue; // vanished before we looked: it was never captured
        throw err;
      }
      const kind = lst.isDirectory() ? "directory" : lst.isFile() ? "file" : lst.isSymbolicLink() ? "symlink" : null;
      const skip = (type: SkippedType) => state.skipped.push({ volume: volume.index, path: childRelative, type });
      if (!kind) {
        skip(skippedType(lst));
        continue;
      }
      const archivePath = volumeEntryPath(volume.index, childRelative, kind === "directory");
      const nfc = name?.normalize("NFC") ?? "";
      if (nameProblem(name, archivePath) || seen.has(nfc)) {
        skip("unsupported-name");
        continue;
      }
      let linkTarget: string | undefined;
      if (kind === "symlink") {
        const target = readLinkTarget(childFsPath);
        if (target === "gone") continue;
        if (target === null) {
          skip("unsupported-link");
          continue;
        }
        linkTarget = target;
      }
      seen.add(nfc);
      // +1: the manifest is an entry too. Checked here so a huge tree fails before memory does.
      if (state.entries.length + 1 >= DEFAULT_ARCHIVE_LIMITS.maxEntries) {
        throw new DomainError("PAYLOAD_TOO_LARGE", `cannot write snapshot: more than ${DEFAULT_ARCHIVE_LIMITS.maxEntries} entries`, {
          reason: "archive-too-large",
        });
      }
      state.entries.push(walkedEntry(volume.index, kind, archivePath, lst, linkTarget));
      if (kind === "directory") await walkDirectory(state, volume, childFsPath, lst, childRelative, false);
    }
  } finally {
    await handle.close();
  }
}

async function walkVolume(state: WalkState, volume: ArchiveVolumeInput): Promise<void> {
  const root = await fsp.stat(volume.hostPath, { bigint: true }).catch(() => null);
  if (!root?.isDirectory()) {
    throw new DomainError("PRECONDITION_FAILED", `Volume "${volume.target}": its host folder is missing or not a folder`, {
      reason: "volume-folder-missing",
      params: { target: volume.target },
    });
  }
  state.entries.push(walkedEntry(volume.index, "directory", volumeEntryPath(volume.index, "", true), root));
  await walkDirectory(state, volume, Buffer.from(volume.hostPath), root, "", true);
}

function buildManifest(options: WriteSnapshotArchiveOptions, state: WalkState): SnapshotManifest {
  const { meta } = options;
  const listed: ManifestSkipped[] = [];
  let budget = SKIPPED_BUDGET_BYTES;
  for (const s of state.skipped.sort((a, b) => a.volume - b.volume || (a.path < b.path ? -1 : 1))) {
    const item = { ...s, path: s.path.length > 1024 ? `${s.path.slice(0, 1023)}…` : s.path };
    budget -= Buffer.byteLength(JSON.stringify(item));
    if (budget < 0 || listed.length >= MANIFEST_MAX_SKIPPED) break;
    listed.push(item);
  }
  const manifest: SnapshotManifest = {
    format: "berth-snapshot",
    version: MANIFEST_VERSION,
    snapshotId: meta.snapshotId,
    workloadId: meta.workloadId,
    workloadName: meta.workloadName,
    createdAt: new Date(meta.createdAt).toISOString(),
    volumes: options.volumes.map((v) => {
      const files = state.entries.filter((e) => e.volumeIndex === v.index && e.kind === "file");
      // bytes: the files' sizes, holes included, whatever the encoding (a re-pack without -S matches too).
      return {
        index: v.index,
        target: v.target,
        scope: v.scope,
        source: v.source,
        files: files.length,
        bytes: files.reduce((sum, e) => sum + e.size, 0),
      };
    }),
    skipped: listed,
    ...(state.skipped.length > listed.length ? { skippedOmitted: state.skipped.length - listed.length } : {}),
  };
  // Never write an archive our own reader would refuse.
  const bytes = Buffer.from(JSON.stringify(manifest));
  const checked = parseManifest(bytes);
  if (!checked.ok) throw new DomainError("BAD_REQUEST", `cannot write snapshot: ${checked.reason}`);
  if (bytes.length > MANIFEST_MAX_BYTES) {
    throw new DomainError("PAYLOAD_TOO_LARGE", "cannot write snapshot: manifest too large", { reason: "archive-too-large" });
  }
  return manifest;
}

/**
 * Capture volumes into a gzip-compressed POSIX tar: `berth-manifest.json` first, then
 * `volumes/<index>/...` sorted by path. Walks everything first (metadata only is held in
 * memory: about 200 bytes per entry), then streams file data with backpressure, packed into
 * 1 MiB blocks that are compressed on all cores as separate gzip members (parallel-gzip.ts;
 * still one valid .tar.gz), random-looking blocks stored rather than deflated.
 * Each entry carries its numeric owner, full mode (setuid, setgid, sticky) and mtime to the
 * nanosecond; symlinks are archived as links (never followed), a file's second and later
 * names as hard links to its first, files with holes in GNU tar's PAX 1.0 sparse format.
 * Sockets, FIFOs and devices are listed in `manifest.skipped`; so are symlinks whose target
 * the reader would refuse (not UTF-8, too long) and names it would refuse (invalid UTF-8, control characters,
 * backslashes, Unicode-normalization twins, too long or too deep).
 * A file that changes size, vanishes or is replaced during the run fails the whole write
 * with ArchiveSourceChangedError (the partial output must be discarded by the caller).
 * So does an archive the default strict reader would refuse (over its size or ratio caps):
 * that check runs after the output is complete, so discard the output on any rejection.
 */
export async function writeSnapshotArchive(options: WriteSnapshotArchiveOptions): Promise<WriteSnapshotArchiveResult> {
  const { volumes, output, signal, onProgress } = options;
  const state: WalkState = { entries: [], skipped: [], signal, slicer: createSyncSlicer() };
  let manifest: SnapshotManifest;
  try {
    for (const volume of volumes) await walkVolume(state, volume);
    state.entries.sort((a, b) => (a.archivePath < b.archivePath ? -1 : a.archivePath > b.archivePath ? 1 : 0));
    resolveHardLinks(state.entries);
    manifest = buildManifest(options, state);
  } catch (err) {
    output.destroy(); // as pipeline() does on a later failure: the output is never half-ended
    throw err;
  }
  const bytesTotal = manifest.volumes.reduce((sum, v) => sum + v.bytes, 0);
  const body = Buffer.from(JSON.stringify(manifest, null, 2));
  const createdAt = Math.floor(new Date(manifest.createdAt).getTime() / 1000);
  let bytesDone = 0;
  const blocks = packTar(
    { header: { path: MANIFEST_NAME, type: "file", size: body.length, mode: 0o644, mtime: createdAt }, body },
    state.entries,
    {
      blockSize: PARALLEL_GZIP_BLOCK,
      hostRoots: new Map(volumes.map((v) => [v.index, v.hostPath])),
      signal,
      onData: (entry, bytes) => {
        bytesDone += bytes;
        onProgress?.({ bytesDone, bytesTotal, volumeIndex: entry.volumeIndex });
      },
    },
  );
  let tarBytes = 0;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const block of blocks) {
      tarBytes += block.length;
      yield block;
    }
  }

  const hash = createHash("sha256");
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  const gzip = new ParallelGzip({ level: options.gzipLevel ?? 6, blockSize: PARALLEL_GZIP_BLOCK });
  await pipeline(Readable.from(counted(), { objectMode: false, highWaterMark: PARALLEL_GZIP_BLOCK }), gzip, meter, output, {
    ...(signal ? { signal } : {}),
  });
  // Never hand back an archive the default strict reader would refuse: huge runs of zeros
  // (preallocated or sparse files) can exceed its zip-bomb ratio cap.
  const { maxTotalBytes, maxDecompressionRatio, decompressionAllowanceBytes } = DEFAULT_ARCHIVE_LIMITS;
  const allowance = decompressionAllowanceBytes + declaredAllowance(manifest.volumes);
  if (tarBytes > maxTotalBytes || tarBytes > maxDecompressionRatio * size + allowance) {
    throw new DomainError(
      "PAYLOAD_TOO_LARGE",
      `cannot write snapshot: ${tarBytes} bytes compress to ${size}, beyond what restore accepts (at most ${maxTotalBytes} bytes, ratio ${maxDecompressionRatio}:1)`,
      { reason: "archive-too-large" },
    );
  }
  return { manifest, sha256: hash.digest("hex"), size };
}
