// A Transform between gunzip and node-tar's Parser that validates the raw tar stream block
// by block before the parser sees it. node-tar 7 (strict) reports bad checksums and data
// truncation, but for an archive we restore from it is too forgiving (all checked against
// node_modules/tar): it applies global pax headers (mode, mtime, even `size`, which
// desynchronises the stream), silently drops malformed pax records (including a valid one
// whose multibyte character straddles a write() boundary), turns a file whose name ends in
// `/` into a directory and ignores its size, reads numbers with parseInt (`1x` is 1), cuts
// names at NUL, tolerates a lone zero block mid-archive, ignores anything after the
// end-of-archive marker, and notices neither a stream cut inside a header nor a missing
// end marker; unknown types and oversized pax records are only an `ignoredEntry` event.
// So every header is parsed and checked here, independently; each record the parser needs
// whole (pax, GNU long name) is forwarded in one write; and the reader cross-checks
// node-tar's view of every entry against ours.

import { Transform, type TransformCallback } from "node:stream";
import { ArchiveRejectedError, showPath } from "./errors";
import { declaredAllowance, type ArchiveLimits } from "./limits";
import { MANIFEST_MAX_BYTES, MANIFEST_NAME, parseManifest, type SnapshotManifest } from "./manifest";
import { pathKey } from "./path-key";
import { parseEntryPath } from "./paths";
import { BLOCK, headerChecksum, paddingFor } from "./ustar";

export interface GuardedEntry {
  /** 1-based; the manifest is entry 1. */
  number: number;
  path: string;
  kind: "file" | "directory";
  size: number;
  mode: number;
  mtime: Date;
  isManifest: boolean;
  volumeIndex: number;
  relativePath: string;
}

interface Pending {
  pax?: Map<string, string>;
  longName?: string;
  /** Raw bytes of the extended records, forwarded together with the entry's header. */
  raw: Buffer[];
}

interface Body {
  kind: "data" | "pax" | "longname" | "manifest";
  dataLength: number;
  dataLeft: number;
  padLeft: number;
  /** Set for records we read ourselves: raw bytes held back until validated. */
  held?: Buffer[];
}

const REJECTED_TYPES: Record<string, string> = {
  "1": "hard links are not allowed",
  "2": "symbolic links are not allowed",
  "3": "character devices are not allowed",
  "4": "block devices are not allowed",
  "6": "FIFOs are not allowed",
  "7": "contiguous files are not allowed",
  g: "global pax headers are not allowed",
  K: "GNU long-link records are not allowed (links are not allowed either)",
  S: "sparse files are not allowed",
};
const PAX_KEYS = new Set(["path", "size", "mtime", "atime", "ctime", "uid", "gid", "uname", "gname"]);
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;
const TIME = /^-?[0-9]{1,15}(\.[0-9]{1,9})?$/;
const DAY_MS = 24 * 60 * 60 * 1000;
const NAME_MAX = 255; // bytes in one file name on Linux filesystems
const utf8 = new TextDecoder("utf-8", { fatal: true });

const isZero = (buf: Buffer) => buf.every((b) => b === 0);

// Flags of a known path (see checkUnique).
const IS_DIRECTORY = 1;
// eslint-disable-next-line no-control-regex
const ASCII = /^[\u0000-\u007f]*$/; // always in NFC
const IS_EXPLICIT = 2;

function decodeUtf8(bytes: Buffer): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/** A NUL-terminated header string field: anything after the first NUL must be NUL too. */
function stringField(block: Buffer, offset: number, width: number): string | { problem: string } {
  const field = block.subarray(offset, offset + width);
  const nul = field.indexOf(0);
  const bytes = nul === -1 ? field : field.subarray(0, nul);
  if (nul !== -1 && !isZero(field.subarray(nul))) return { problem: "path contains a NUL character" };
  const text = decodeUtf8(bytes);
  return text ?? { problem: "path is not valid UTF-8" };
}

/** The header's own path, decoded leniently (bad bytes replaced), for messages only. */
function lossyPath(block: Buffer, posix: boolean): string {
  const field = (offset: number, width: number) => block.toString("utf8", offset, offset + width).replace(/\0+$/, "");
  const prefix = posix ? field(345, 155) : "";
  return prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
}

/**
 * Strict octal (optionally space/NUL padded) or GNU base-256 (two's complement, used for
 * big sizes and pre-1970 times); null if malformed, unsafe, or negative when not allowed.
 */
function numberField(block: Buffer, offset: number, width: number, allowNegative = false): number | null {
  const field = block.subarray(offset, offset + width);
  if (field[0]! & 0x80) {
    // The bits after the marker bit are a two's-complement number.
    const bits = width * 8 - 1;
    const value = BigInt.asIntN(bits, BigInt(`0x${field.toString("hex")}`) & ((1n << BigInt(bits)) - 1n));
    if (value < 0n && !allowNegative) return null;
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : null;
  }
  const match = /^ *([0-7]{1,12})[ \0]*$/.exec(field.toString("latin1"));
  return match ? parseInt(match[1]!, 8) : null;
}

function clampMtime(seconds: number): Date {
  const ms = Math.min(Math.max(seconds * 1000, 0), Date.now() + DAY_MS);
  return new Date(Number.isFinite(ms) ? ms : 0);
}

/** Strict pax parser: every record well-formed, lengths exact, known keys only, no repeats. */
function parsePax(body: Buffer): Map<string, string> | string {
  const records = new Map<string, string>();
  let pos = 0;
  while (pos < body.length) {
    const space = body.indexOf(0x20, pos);
    const lengthText = space === -1 ? "" : body.toString("latin1", pos, space);
    if (!DECIMAL.test(lengthText)) return "malformed pax record";
    const end = pos + Number(lengthText);
    if (end > body.length || body[end - 1] !== 0x0a) return "malformed pax record";
    const text = decodeUtf8(body.subarray(space + 1, end - 1));
    if (text === null) return "pax record is not valid UTF-8";
    const eq = text.indexOf("=");
    if (eq <= 0) return "malformed pax record";
    const key = text.slice(0, eq);
    const value = text.slice(eq + 1);
    if (!PAX_KEYS.has(key)) return `unsupported pax key ${JSON.stringify(key.slice(0, 64))}`;
    if (records.has(key)) return `repeated pax key '${key}'`;
    if (value.includes("\0")) return key === "path" ? "path contains a NUL character" : "pax value contains a NUL character";
    if (key === "size" && !(DECIMAL.test(value) && Number.isSafeInteger(Number(value)))) return "invalid pax size";
    if (key.endsWith("time") && !TIME.test(value)) return `invalid pax ${key}`;
    records.set(key, value);
    pos = end;
  }
  return records;
}

export class TarGuard extends Transform {
  manifest?: SnapshotManifest;
  /** Validated entries not yet matched against node-tar's (the reader shifts them). */
  readonly expected: GuardedEntry[] = [];
  /** Entries seen so far, counting the manifest. */
  entryCount = 0;
  dataEntries = 0;
  dataBytes = 0;

  private mode: "header" | "body" | "eof" = "header";
  private header = Buffer.alloc(0);
  private body?: Body;
  private pending: Pending = { raw: [] };
  private sawZeroBlock = false;
  private uncompressed = 0;
  private current?: { entryNumber: number; entryPath?: string };
  // Key of an NFC path (no trailing slash) → IS_DIRECTORY | IS_EXPLICIT flags; implicit parents included.
  private readonly seen = new Map<string, number>();
  // Key of an NFC path → key of its first raw spelling, for the few spelled otherwise.
  private readonly spellings = new Map<string, string>();
  private impliedDirectories = 0;
  private readonly perVolume = new Map<number, { files: number; bytes: number }>();

  constructor(
    private readonly limits: ArchiveLimits,
    private readonly compressedBytes: () => number,
  ) {
    super();
  }

  /** Where we are, for messages about problems found below the tar layer (e.g. gzip). */
  get location() {
    return this.current;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.uncompressed += chunk.length;
      this.checkSize();
      this.consume(chunk);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.finish();
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  private reject(reason: string, where: { entryNumber: number; entryPath?: string } | undefined = this.current): never {
    throw new ArchiveRejectedError(reason, where);
  }

  private checkSize(): void {
    const { maxTotalBytes, maxDecompressionRatio, decompressionAllowanceBytes } = this.limits;
    if (this.uncompressed > maxTotalBytes) this.reject(`archive exceeds the limit of ${maxTotalBytes} uncompressed bytes`);
    const declared = this.manifest ? declaredAllowance(this.manifest.volumes) : 0;
    if (this.uncompressed > maxDecompressionRatio * this.compressedBytes() + decompressionAllowanceBytes + declared) {
      this.reject(`decompression ratio exceeds ${maxDecompressionRatio}:1 (possible zip bomb)`);
    }
  }

  private consume(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.mode === "eof") {
        // Zero padding after the end-of-archive marker is normal (tar pads to records).
        if (!isZero(chunk.subarray(pos))) this.reject("trailing data after the end-of-archive marker", undefined);
        return;
      }
      if (this.mode === "header") {
        const take = Math.min(BLOCK - this.header.length, chunk.length - pos);
        this.header = Buffer.concat([this.header, chunk.subarray(pos, pos + take)]);
        pos += take;
        if (this.header.length === BLOCK) {
          const block = this.header;
          this.header = Buffer.alloc(0);
          this.onHeader(block);
        }
        continue;
      }
      const body = this.body!;
      const take = Math.min(body.dataLeft + body.padLeft, chunk.length - pos);
      const slice = chunk.subarray(pos, pos + take);
      if (body.held) body.held.push(slice);
      else this.push(slice);
      const data = Math.min(take, body.dataLeft);
      body.dataLeft -= data;
      body.padLeft -= take - data;
      pos += take;
      if (body.dataLeft + body.padLeft === 0) this.onBodyEnd(body);
    }
  }

  private onHeader(block: Buffer): void {
    if (isZero(block)) {
      if (this.pending.raw.length) this.reject("extended header is not followed by an entry");
      if (!this.sawZeroBlock) {
        this.sawZeroBlock = true; // one zero block: the end marker needs two
        return;
      }
      if (this.entryCount === 0) this.reject(`first entry must be ${MANIFEST_NAME} (the archive is empty)`, undefined);
      this.push(Buffer.alloc(2 * BLOCK));
      this.mode = "eof";
      this.current = undefined;
      return;
    }
    const entryNumber = this.entryCount + 1;
    this.current = { entryNumber };
    if (this.sawZeroBlock) this.reject("zero block in the middle of the archive");

    const checksum = numberField(block.subarray(148, 156), 0, 8);
    if (checksum === null || checksum !== headerChecksum(block)) this.reject("bad header checksum");
    const magic = block.toString("latin1", 257, 265);
    const posix = magic === "ustar\x0000";
    if (!posix && magic !== "ustar  \0") this.reject("not a POSIX ustar header");

    const type = String.fromCharCode(block[156]!);
    const size = numberField(block, 124, 12);
    if (size === null) this.reject("invalid size field");

    if (this.entryCount === 0 && !(type === "0" && block.toString("latin1", 0, 100).replace(/\0+$/, "") === MANIFEST_NAME)) {
      this.reject(`first entry must be ${MANIFEST_NAME}`, { entryNumber, entryPath: lossyPath(block, posix) });
    }
    if (type === "x" || type === "L") {
      this.startExtended(type, block, size);
      return;
    }
    if (type !== "0" && type !== "5") {
      this.reject(REJECTED_TYPES[type] ?? `unsupported entry type ${JSON.stringify(type)}`, { entryNumber, entryPath: lossyPath(block, posix) });
    }
    this.onEntryHeader(block, type === "5" ? "directory" : "file", size, posix, entryNumber);
  }

  private startBody(kind: Body["kind"], size: number, held?: Buffer[]): void {
    this.body = { kind, dataLength: size, dataLeft: size, padLeft: paddingFor(size), held };
    this.mode = "body";
    if (size === 0) this.onBodyEnd(this.body);
  }

  private startExtended(type: "x" | "L", block: Buffer, size: number): void {
    const what = type === "x" ? "pax header" : "GNU long-name record";
    if ((type === "x" ? this.pending.pax : this.pending.longName) !== undefined) this.reject(`two ${what}s for one entry`);
    if (size > this.limits.maxExtendedHeaderBytes) this.reject(`${what} too large (${size} bytes)`);
    this.startBody(type === "x" ? "pax" : "longname", size, [block]);
  }

  private onBodyEnd(body: Body): void {
    this.mode = "header";
    this.body = undefined;
    if (!body.held) return; // streamed file data: already forwarded
    const raw = Buffer.concat(body.held);
    const data = raw.subarray(BLOCK, BLOCK + body.dataLength);
    if (body.kind === "pax") {
      const records = parsePax(data);
      if (typeof records === "string") this.reject(records);
      this.pending.pax = records;
      this.pending.raw.push(raw);
    } else if (body.kind === "longname") {
      const nul = data.indexOf(0);
      if (nul === -1) this.reject("GNU long-name record is not NUL-terminated");
      if (!isZero(data.subarray(nul))) this.reject("path contains a NUL character");
      const name = decodeUtf8(data.subarray(0, nul));
      if (name === null) this.reject("path is not valid UTF-8");
      if (name === "") this.reject("GNU long-name record is empty");
      this.pending.longName = name;
      this.pending.raw.push(raw);
    } else {
      const parsed = parseManifest(data);
      if (!parsed.ok) this.reject(parsed.reason);
      this.manifest = parsed.manifest;
      // Every volume the manifest declares must be accounted for at the end.
      for (const v of parsed.manifest.volumes) this.perVolume.set(v.index, { files: 0, bytes: 0 });
      this.push(raw);
    }
  }

  private onEntryHeader(block: Buffer, kind: "file" | "directory", headerSize: number, posix: boolean, entryNumber: number): void {
    const { limits } = this;
    this.entryCount = entryNumber;
    const { pax, longName, raw: extendedRaw } = this.pending;
    this.pending = { raw: [] };
    if (pax?.has("path") && longName !== undefined) this.reject("entry has both a pax path and a GNU long name");
    let path = pax?.get("path") ?? longName;
    if (path === undefined) {
      const name = stringField(block, 0, 100);
      const prefix = posix ? stringField(block, 345, 155) : "";
      const where = { entryNumber, entryPath: lossyPath(block, posix) };
      if (typeof name !== "string") this.reject(name.problem, where);
      if (typeof prefix !== "string") this.reject(prefix.problem, where);
      path = prefix ? `${prefix}/${name}` : name;
    }
    this.current = { entryNumber, entryPath: path };
    if (entryNumber > limits.maxEntries) this.reject(`too many entries (limit ${limits.maxEntries})`);

    if (!isZero(block.subarray(157, 257))) this.reject("link target set on a non-link entry");
    const size = pax?.has("size") ? Number(pax.get("size")) : headerSize;
    const mode = numberField(block, 100, 8);
    if (mode === null) this.reject("invalid mode field");
    const mtimeSeconds = pax?.has("mtime") ? Number(pax.get("mtime")) : numberField(block, 136, 12, true);
    if (mtimeSeconds === null) this.reject("invalid mtime field");
    if (kind === "directory" && size !== 0) this.reject("directory entry has data");
    const common = { number: entryNumber, path, kind, size, mode: mode & 0o777, mtime: clampMtime(mtimeSeconds) };

    if (entryNumber === 1) {
      // onHeader checked the type and name field; the ustar prefix must be empty too.
      if (path !== MANIFEST_NAME) this.reject(`first entry must be ${MANIFEST_NAME}`);
      if (size > MANIFEST_MAX_BYTES) this.reject(`manifest too large (${size} bytes, limit ${MANIFEST_MAX_BYTES})`);
      this.expected.push({ ...common, isManifest: true, volumeIndex: -1, relativePath: "" });
      this.startBody("manifest", size, [block]);
      return;
    }

    const parsed = parseEntryPath(path, kind === "directory");
    if (!parsed.ok) this.reject(parsed.reason);
    if (Buffer.byteLength(path) > limits.maxPathLength) this.reject(`path is too long (limit ${limits.maxPathLength} bytes)`);
    if (parsed.segments > limits.maxPathDepth) this.reject(`path is too deep (limit ${limits.maxPathDepth} segments)`);
    // Else it passes import and restore's pre-flight, then fails mid-restore (ENAMETOOLONG).
    if (parsed.relativePath.split("/").some((name) => Buffer.byteLength(name) > NAME_MAX)) this.reject(`a file or directory name is longer than ${NAME_MAX} bytes`);
    const declared = this.manifest!.volumes.find((v) => v.index === parsed.volumeIndex);
    if (!declared) this.reject(`volume index ${parsed.volumeIndex} is not in the manifest`);
    this.checkUnique(path, kind);
    if (kind === "file") {
      const counts = this.perVolume.get(parsed.volumeIndex)!;
      counts.files += 1;
      counts.bytes += size;
      // Stop at once rather than at the end: the manifest's totals are what restore plans with.
      if (counts.files > declared.files || counts.bytes > declared.bytes) {
        this.reject(`volume ${parsed.volumeIndex} holds more than its manifest declares (${declared.files} files, ${declared.bytes} bytes)`);
      }
    }
    this.dataEntries += 1;
    this.dataBytes += size;
    this.expected.push({ ...common, isManifest: false, volumeIndex: parsed.volumeIndex, relativePath: parsed.relativePath });
    this.push(Buffer.concat([...extendedRaw, block]));
    if (size > 0) this.startBody("data", size);
  }

  /**
   * Duplicates, file/directory clashes and Unicode-normalization (NFC) twins. Every prefix
   * of a known path is known, as a directory with the same spelling, so the search starts
   * from the deepest prefix and stops at the first known one.
   */
  private checkUnique(path: string, kind: "file" | "directory"): void {
    const trimmed = path.endsWith("/") ? path.slice(0, -1) : path;
    const rawSegments = trimmed.split("/");
    // Few strings per entry, most of them slices: at 4 KiB paths, copies add up to much garbage.
    const nfcSegments = ASCII.test(trimmed) ? rawSegments : rawSegments.map((s) => s.normalize("NFC"));
    const nfcPath = nfcSegments === rawSegments ? trimmed : nfcSegments.join("/");
    const ends: number[] = [];
    for (let i = 0, end = -1; i < nfcSegments.length; i++) ends.push((end += nfcSegments[i]!.length + 1));
    const nfcPrefix = (i: number) => nfcPath.slice(0, ends[i]);
    const prefix = (segments: string[], i: number) => segments.slice(0, i + 1).join("/");
    // Segments before this one are spelled in NFC already (-1: all are).
    const firstRespelled = rawSegments.findIndex((segment, i) => segment !== nfcSegments[i]);
    const keys: string[] = [];
    let known = rawSegments.length - 1;
    for (; known >= 0; known--) {
      keys[known] = pathKey(nfcPrefix(known));
      if (this.seen.has(keys[known]!)) break;
    }
    if (known >= 0) {
      if (!this.sameSpelling(rawSegments, firstRespelled, known, keys[known]!)) this.rejectTwin(rawSegments, nfcSegments, firstRespelled);
      const flags = this.seen.get(keys[known]!)!;
      if (known < rawSegments.length - 1) {
        if (!(flags & IS_DIRECTORY)) this.reject(`file/directory clash: ${showPath(prefix(rawSegments, known))} is a file`);
      } else if (flags & IS_EXPLICIT) {
        this.reject((flags & IS_DIRECTORY) === (kind === "directory" ? IS_DIRECTORY : 0) ? "duplicate path" : "file/directory clash with an earlier entry");
      } else if (kind === "file") {
        this.reject("file/directory clash: earlier entries are inside it");
      } else {
        this.seen.set(keys[known]!, flags | IS_EXPLICIT);
      }
    }
    // Entries are capped by maxEntries; parents they imply without entries of their own, here.
    this.impliedDirectories += Math.max(0, rawSegments.length - 2 - known);
    if (this.impliedDirectories > this.limits.maxImpliedDirectories) {
      this.reject(`too many directories without entries of their own (limit ${this.limits.maxImpliedDirectories})`);
    }
    for (let i = known + 1; i < rawSegments.length; i++) {
      const last = i === rawSegments.length - 1;
      this.seen.set(keys[i]!, last ? (kind === "directory" ? IS_DIRECTORY : 0) | IS_EXPLICIT : IS_DIRECTORY);
      if (firstRespelled !== -1 && i >= firstRespelled) this.spellings.set(keys[i]!, pathKey(prefix(rawSegments, i)));
    }
  }

  /** Whether the first `i + 1` segments are spelled as the known path's (NFC key `nfcKey`) were. */
  private sameSpelling(rawSegments: string[], firstRespelled: number, i: number, nfcKey: string): boolean {
    const knownRaw = this.spellings.get(nfcKey);
    if (firstRespelled === -1 || firstRespelled > i) return knownRaw === undefined;
    return pathKey(rawSegments.slice(0, i + 1).join("/")) === knownRaw;
  }

  /** Names the shallowest prefix spelled otherwise than the known one (as the check from the top would). */
  private rejectTwin(rawSegments: string[], nfcSegments: string[], firstRespelled: number): never {
    let nfc = "";
    for (let i = 0; i < nfcSegments.length; i++) {
      nfc = nfcSegments.slice(0, i + 1).join("/");
      if (!this.sameSpelling(rawSegments, firstRespelled, i, pathKey(nfc))) break;
    }
    this.reject(`Unicode normalization twin of ${showPath(nfc)}`);
  }

  private finish(): void {
    if (this.mode === "body") {
      const body = this.body!;
      const what = body.kind === "data" ? "data" : body.kind === "manifest" ? "manifest" : body.kind === "pax" ? "pax header" : "GNU long-name record";
      this.reject(body.dataLeft ? `truncated ${what} (${body.dataLeft} of ${body.dataLength} bytes missing)` : `truncated ${what} (in the padding)`);
    }
    if (this.mode === "header") {
      if (this.header.length) this.reject("truncated tar header", { entryNumber: this.entryCount + 1 });
      this.reject("truncated archive: no end-of-archive marker", undefined);
    }
    for (const v of this.manifest!.volumes) {
      const actual = this.perVolume.get(v.index)!;
      if (actual.files !== v.files || actual.bytes !== v.bytes) {
        this.reject(
          `volume ${v.index}: the manifest declares ${v.files} files / ${v.bytes} bytes but the archive holds ${actual.files} / ${actual.bytes}`,
          undefined,
        );
      }
    }
  }
}
