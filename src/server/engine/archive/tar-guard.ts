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
import { clampMtimeNs, MAX_LINK_TARGET_BYTES, parseEntryPath, VOLUMES_DIR } from "./paths";
import { MAX_SPARSE_REAL_SIZE, parseSparseMap, type SparseSegment } from "./sparse-map";
import { BLOCK, headerChecksum, paddingFor } from "./ustar";

export type EntryKind = "file" | "directory" | "symlink" | "hardlink";

export interface GuardedEntry {
  /** 1-based; the manifest is entry 1 (2 after a GNU tar `./` entry). */
  number: number;
  /** The path as the header spells it (what node-tar reports): a `./` prefix or a sparse stand-in name included. */
  rawPath: string;
  path: string;
  kind: EntryKind;
  /** Bytes of data in the archive (a sparse file: its map block and data segments). */
  size: number;
  /** v2: mode & 0o7777; v1: mode & 0o777. */
  mode: number;
  /** Numeric owner; undefined for v1 archives, whose owners are never applied. */
  uid?: number;
  gid?: number;
  mtime: Date;
  mtimeNs: bigint;
  /** As the header spells it (node-tar's view). */
  rawLinkTarget?: string;
  /** Symlink: the target text. Hard link: the target's path inside the same volume. */
  linkTarget?: string;
  sparse?: { realSize: number; segments: SparseSegment[]; mapBytes: number };
  isManifest: boolean;
  /** The `./` and `volumes/` directories of an archive GNU tar made: checked, then skipped. */
  ignored?: boolean;
  volumeIndex: number;
  relativePath: string;
}

interface Pending {
  pax?: Map<string, string>;
  longName?: string;
  longLink?: string;
  /** Raw bytes of the extended records, forwarded together with the entry's header. */
  raw: Buffer[];
}

interface Body {
  kind: "data" | "pax" | "longname" | "longlink" | "manifest" | "sparse-map";
  dataLength: number;
  dataLeft: number;
  padLeft: number;
  /** Set for records we read ourselves: raw bytes held back until validated. */
  held?: Buffer[];
  /** sparse-map: the entry waiting for its map, and the data bytes seen so far. */
  sparseEntry?: GuardedEntry;
  mapData?: Buffer[];
  mapDataBytes?: number;
  /** Parse again once this many map bytes are in (doubling: linear, whatever the chunking). */
  nextMapParse?: number;
}

const REJECTED_TYPES: Record<string, string> = {
  "3": "character devices are not allowed",
  "4": "block devices are not allowed",
  "6": "FIFOs are not allowed",
  "7": "contiguous files are not allowed",
  g: "global pax headers are not allowed",
  S: "sparse files in GNU tar's old format are not supported (GNU tar: use --format=pax)",
};
const ENTRY_TYPES: Record<string, EntryKind> = { "0": "file", "1": "hardlink", "2": "symlink", "5": "directory" };
// uname / gname are read and ignored: owners are numeric, never looked up by name.
const SPARSE_KEYS = ["GNU.sparse.major", "GNU.sparse.minor", "GNU.sparse.name", "GNU.sparse.realsize"];
const PAX_KEYS = new Set(["path", "linkpath", "size", "mtime", "atime", "ctime", "uid", "gid", "uname", "gname", ...SPARSE_KEYS]);
const MAX_ID = 4_294_967_294; // uid_t; 2^32 - 1 means "no change" to chown
const NS_PER_SECOND = 1_000_000_000n;
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;
const TIME = /^-?[0-9]{1,15}(\.[0-9]{1,9})?$/;
const NAME_MAX = 255; // bytes in one file name on Linux filesystems
const utf8 = new TextDecoder("utf-8", { fatal: true });

const isZero = (buf: Buffer) => buf.every((b) => b === 0);

// Flags of a known path (see checkUnique).
const IS_DIRECTORY = 1;
const IS_EXPLICIT = 2;
const IS_SYMLINK = 4;
const IS_FILE = 8; // a regular file or a hard link to one
const KIND_FLAGS: Record<EntryKind, number> = { directory: IS_DIRECTORY, file: IS_FILE, hardlink: IS_FILE, symlink: IS_SYMLINK };
// eslint-disable-next-line no-control-regex
const ASCII = /^[\u0000-\u007f]*$/; // always in NFC

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

/** A pax time (`-?seconds(.fraction)?`, checked by TIME) in nanoseconds. */
function paxTimeNs(value: string): bigint {
  const negative = value.startsWith("-");
  const [whole, fraction = ""] = (negative ? value.slice(1) : value).split(".");
  const ns = BigInt(whole!) * NS_PER_SECOND + BigInt(fraction.padEnd(9, "0"));
  return negative ? -ns : ns;
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
    if (value.includes("\0"))
      return key === "path"
        ? "path contains a NUL character"
        : key === "linkpath"
          ? "link target contains a NUL character"
          : "pax value contains a NUL character";
    // node-tar splits records at newlines: a value holding one would be read differently there.
    if (value.includes("\n"))
      return key === "path"
        ? "path contains a control character"
        : key === "linkpath"
          ? "link target contains a newline in a pax record"
          : "pax value contains a newline";
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
  private manifestSeen = false;
  /** GNU tar's `tar -C dir .`: every name starts with `./`, which is taken off (see strip). */
  private dotSlash = false;
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
      const data = Math.min(take, body.dataLeft);
      if (body.held) body.held.push(slice);
      else this.push(slice);
      if (body.kind === "sparse-map") this.onSparseMapData(body, slice.subarray(0, data), body.dataLeft === data);
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

    // Before the manifest only it, its pax record and GNU tar's `./` may come (onEntryHeader checks which).
    if (!this.manifestSeen && !["0", "5", "x"].includes(type)) {
      this.reject(`first entry must be ${MANIFEST_NAME}`, { entryNumber, entryPath: lossyPath(block, posix) });
    }
    if (type === "x" || type === "L" || type === "K") {
      this.startExtended(type, block, size);
      return;
    }
    const kind = ENTRY_TYPES[type];
    if (!kind)
      this.reject(REJECTED_TYPES[type] ?? `unsupported entry type ${JSON.stringify(type)}`, {
        entryNumber,
        entryPath: lossyPath(block, posix),
      });
    this.onEntryHeader(block, kind, size, posix, entryNumber);
  }

  private startBody(kind: Body["kind"], size: number, held?: Buffer[]): void {
    this.body = { kind, dataLength: size, dataLeft: size, padLeft: paddingFor(size), held };
    this.mode = "body";
    if (size === 0) this.onBodyEnd(this.body);
  }

  private startExtended(type: "x" | "L" | "K", block: Buffer, size: number): void {
    const what = type === "x" ? "pax header" : type === "L" ? "GNU long-name record" : "GNU long-link record";
    const already = type === "x" ? this.pending.pax : type === "L" ? this.pending.longName : this.pending.longLink;
    if (already !== undefined) this.reject(`two ${what}s for one entry`);
    if (size > this.limits.maxExtendedHeaderBytes) this.reject(`${what} too large (${size} bytes)`);
    this.startBody(type === "x" ? "pax" : type === "L" ? "longname" : "longlink", size, [block]);
  }

  private onBodyEnd(body: Body): void {
    this.mode = "header";
    this.body = undefined;
    if (!body.held) return; // streamed file data: already forwarded
    const raw = Buffer.concat(body.held);
    // The data follows the held header block(s).
    const dataStart = raw.length - body.dataLength - paddingFor(body.dataLength);
    const data = raw.subarray(dataStart, dataStart + body.dataLength);
    if (body.kind === "pax") {
      const records = parsePax(data);
      if (typeof records === "string") this.reject(records);
      this.pending.pax = records;
      this.pending.raw.push(raw);
    } else if (body.kind === "longname" || body.kind === "longlink") {
      const [what, subject] = body.kind === "longname" ? ["GNU long-name record", "path"] : ["GNU long-link record", "link target"];
      const nul = data.indexOf(0);
      if (nul === -1) this.reject(`${what} is not NUL-terminated`);
      if (!isZero(data.subarray(nul))) this.reject(`${subject} contains a NUL character`);
      const name = decodeUtf8(data.subarray(0, nul));
      if (name === null) this.reject(`${subject} is not valid UTF-8`);
      if (name === "") this.reject(`${what} is empty`);
      if (body.kind === "longname") this.pending.longName = name;
      else this.pending.longLink = name;
      this.pending.raw.push(raw);
    } else if (body.kind === "sparse-map") {
      this.reject("sparse map is truncated"); // onSparseMapData finishes a complete map before its body ends
    } else {
      const parsed = parseManifest(data);
      if (!parsed.ok) this.reject(parsed.reason);
      this.manifest = parsed.manifest;
      // Every volume the manifest declares must be accounted for at the end.
      for (const v of parsed.manifest.volumes) this.perVolume.set(v.index, { files: 0, bytes: 0 });
      this.push(raw);
    }
  }

  private onEntryHeader(block: Buffer, kind: EntryKind, headerSize: number, posix: boolean, entryNumber: number): void {
    const { limits } = this;
    this.entryCount = entryNumber;
    const { pax, longName, longLink, raw: extendedRaw } = this.pending;
    this.pending = { raw: [] };
    if (pax?.has("path") && longName !== undefined) this.reject("entry has both a pax path and a GNU long name");
    let rawPath = pax?.get("path") ?? longName;
    if (rawPath === undefined) {
      const name = stringField(block, 0, 100);
      const prefix = posix ? stringField(block, 345, 155) : "";
      const where = { entryNumber, entryPath: lossyPath(block, posix) };
      if (typeof name !== "string") this.reject(name.problem, where);
      if (typeof prefix !== "string") this.reject(prefix.problem, where);
      rawPath = prefix ? `${prefix}/${name}` : name;
    }
    const sparseKeys = SPARSE_KEYS.filter((key) => pax?.has(key));
    const shownPath = sparseKeys.length ? (pax?.get("GNU.sparse.name") ?? rawPath) : rawPath;
    this.current = { entryNumber, entryPath: shownPath };
    if (entryNumber > limits.maxEntries) this.reject(`too many entries (limit ${limits.maxEntries})`);

    const isLink = kind === "symlink" || kind === "hardlink";
    const rawLinkTarget = this.linkTarget(block, pax, longLink, kind);
    const size = pax?.has("size") ? Number(pax.get("size")) : headerSize;
    const modeField = numberField(block, 100, 8);
    if (modeField === null) this.reject("invalid mode field");
    const mtimeNs = clampMtimeNs(
      pax?.has("mtime")
        ? paxTimeNs(pax.get("mtime")!)
        : BigInt(numberField(block, 136, 12, true) ?? this.reject("invalid mtime field")) * NS_PER_SECOND,
    );
    if (kind === "directory" && size !== 0) this.reject("directory entry has data");
    if (isLink && size !== 0) this.reject("link entry has data");
    const owners = this.owners(block, pax);
    const v1 = this.manifest?.version === 1;
    const common = {
      number: entryNumber,
      rawPath,
      kind,
      size,
      mode: modeField & (v1 ? 0o777 : 0o7777),
      ...(v1 ? {} : owners),
      mtime: new Date(Number(mtimeNs / 1_000_000n)),
      mtimeNs,
    };

    if (!this.manifestSeen) {
      // GNU tar's `tar -C dir .` starts with `./` and names everything `./…`.
      if (entryNumber === 1 && kind === "directory" && rawPath === "./" && !pax?.has("size")) {
        this.dotSlash = true;
        this.expected.push({ ...common, path: rawPath, isManifest: false, ignored: true, volumeIndex: -1, relativePath: "" });
        this.push(Buffer.concat([...extendedRaw, block]));
        return;
      }
      const path = entryNumber === 1 && rawPath === `./${MANIFEST_NAME}` ? ((this.dotSlash = true), MANIFEST_NAME) : this.strip(rawPath);
      if (path !== MANIFEST_NAME || kind !== "file" || sparseKeys.length)
        this.reject(`first entry must be ${MANIFEST_NAME} (GNU tar: use --sort=name)`);
      if (size > MANIFEST_MAX_BYTES) this.reject(`manifest too large (${size} bytes, limit ${MANIFEST_MAX_BYTES})`);
      this.manifestSeen = true;
      this.expected.push({ ...common, path, isManifest: true, volumeIndex: -1, relativePath: "" });
      this.startBody("manifest", size, [...extendedRaw, block]);
      return;
    }

    // v1 (before links, owners and holes were kept) held regular files and directories only.
    if (v1 && (isLink || sparseKeys.length))
      this.reject(`a version 1 archive holds only regular files and directories, not ${isLink ? "links" : "sparse files"}`);
    const sparse = sparseKeys.length ? this.sparseHeader(pax!, sparseKeys, kind, size) : undefined;
    // The header of a sparse file names GNU tar's stand-in (`<dir>/GNUSparseFile.<n>/<base>`),
    // which tools without sparse support extract: it must be that, nothing else.
    if (sparse) {
      const slash = sparse.name.lastIndexOf("/");
      const [dir, base] = [sparse.name.slice(0, slash + 1), sparse.name.slice(slash + 1)];
      const standIn =
        rawPath.startsWith(dir) && rawPath.endsWith(`/${base}`) ? rawPath.slice(dir.length, rawPath.length - base.length - 1) : "";
      if (!/^GNUSparseFile\.[0-9]{1,10}$/.test(standIn)) this.reject("sparse file header does not name GNU tar's stand-in for it");
    }
    const path = this.strip(sparse ? sparse.name : rawPath);
    if (kind === "directory" && path === `${VOLUMES_DIR}/`) {
      // The parent of every volume, listed by GNU tar: nothing to restore.
      this.expected.push({ ...common, path, isManifest: false, ignored: true, volumeIndex: -1, relativePath: "" });
      this.push(Buffer.concat([...extendedRaw, block]));
      return;
    }
    this.current = { entryNumber, entryPath: path };
    const parsed = parseEntryPath(path, kind === "directory");
    if (!parsed.ok) this.reject(parsed.reason);
    if (Buffer.byteLength(path) > limits.maxPathLength) this.reject(`path is too long (limit ${limits.maxPathLength} bytes)`);
    if (parsed.segments > limits.maxPathDepth) this.reject(`path is too deep (limit ${limits.maxPathDepth} segments)`);
    // Else it passes import and restore's pre-flight, then fails mid-restore (ENAMETOOLONG).
    if (parsed.relativePath.split("/").some((name) => Buffer.byteLength(name) > NAME_MAX))
      this.reject(`a file or directory name is longer than ${NAME_MAX} bytes`);
    const declared = this.manifest!.volumes.find((v) => v.index === parsed.volumeIndex);
    if (!declared) this.reject(`volume index ${parsed.volumeIndex} is not in the manifest`);
    let linkTarget = rawLinkTarget;
    if (kind === "hardlink") linkTarget = this.hardLinkTarget(this.strip(rawLinkTarget!), parsed.volumeIndex);
    this.checkUnique(path, kind);
    // A file counts with its size, holes included: the totals do not depend on the encoding.
    const fileBytes = sparse ? sparse.realSize : size;
    if (kind === "file") {
      const counts = this.perVolume.get(parsed.volumeIndex)!;
      counts.files += 1;
      counts.bytes += fileBytes;
      // Stop at once rather than at the end: the manifest's totals are what restore plans with.
      if (counts.files > declared.files || counts.bytes > declared.bytes) {
        this.reject(
          `volume ${parsed.volumeIndex} holds more than its manifest declares (${declared.files} files, ${declared.bytes} bytes)`,
        );
      }
    }
    this.dataEntries += 1;
    this.dataBytes += fileBytes;
    const entry: GuardedEntry = {
      ...common,
      path,
      isManifest: false,
      volumeIndex: parsed.volumeIndex,
      relativePath: parsed.relativePath,
      ...(isLink ? { rawLinkTarget, linkTarget } : {}),
    };
    const raw = Buffer.concat([...extendedRaw, block]);
    if (sparse) {
      // Held back with its header until the map is read: the reader must know it before node-tar's entry event.
      this.startBody("sparse-map", size, [raw]);
      Object.assign(this.body!, {
        sparseEntry: { ...entry, sparse: { realSize: sparse.realSize, segments: [], mapBytes: 0 } },
        mapData: [],
        mapDataBytes: 0,
        nextMapParse: BLOCK,
      });
      return;
    }
    this.expected.push(entry);
    this.push(raw);
    if (size > 0) this.startBody("data", size);
  }

  /** `./x` → `x` in an archive GNU tar made from `.`; anything else must not start with `./` there. */
  private strip(path: string): string {
    if (!this.dotSlash) return path;
    if (!path.startsWith("./")) this.reject("name does not start with './' like the archive's other names");
    return path.slice(2);
  }

  /** A link's target (checked) from pax linkpath, a GNU long-link record or the header; none on other entries. */
  private linkTarget(
    block: Buffer,
    pax: Map<string, string> | undefined,
    longLink: string | undefined,
    kind: EntryKind,
  ): string | undefined {
    if (kind !== "symlink" && kind !== "hardlink") {
      if (pax?.has("linkpath") || longLink !== undefined || !isZero(block.subarray(157, 257)))
        this.reject("link target set on a non-link entry");
      return undefined;
    }
    if (pax?.has("linkpath") && longLink !== undefined) this.reject("entry has both a pax linkpath and a GNU long-link record");
    let target = pax?.get("linkpath") ?? longLink;
    if (target === undefined) {
      const field = stringField(block, 157, 100);
      if (typeof field !== "string") this.reject(field.problem.replace("path", "link target"));
      target = field;
    }
    if (target === "") this.reject("link target is empty");
    if (target.includes("\0")) this.reject("link target contains a NUL character");
    // A hard link names an archive path (up to maxPathLength); a symlink's target is Linux's.
    const max = kind === "hardlink" ? this.limits.maxPathLength : MAX_LINK_TARGET_BYTES;
    if (Buffer.byteLength(target) > max) this.reject(`link target is longer than ${max} bytes`);
    return target;
  }

  /** Numeric uid / gid from pax or the header (octal or base-256). */
  private owners(block: Buffer, pax: Map<string, string> | undefined): { uid: number; gid: number } {
    const id = (key: "uid" | "gid", offset: number) => {
      const value = pax?.has(key) ? (DECIMAL.test(pax.get(key)!) ? Number(pax.get(key)) : null) : numberField(block, offset, 8);
      if (value === null || value > MAX_ID) this.reject(`invalid ${key}`);
      return value;
    };
    return { uid: id("uid", 108), gid: id("gid", 116) };
  }

  /** GNU tar's PAX 1.0 sparse keys: all four, version 1.0, on a regular file. */
  private sparseHeader(pax: Map<string, string>, present: string[], kind: EntryKind, size: number): { name: string; realSize: number } {
    if (present.length !== SPARSE_KEYS.length)
      this.reject(`sparse file header lacks ${SPARSE_KEYS.filter((k) => !present.includes(k)).join(", ")}`);
    if (pax.get("GNU.sparse.major") !== "1" || pax.get("GNU.sparse.minor") !== "0")
      this.reject("only GNU tar's sparse format 1.0 is supported");
    if (kind !== "file") this.reject("sparse header on an entry that is not a regular file");
    const realSize = pax.get("GNU.sparse.realsize")!;
    if (!DECIMAL.test(realSize) || Number(realSize) > MAX_SPARSE_REAL_SIZE)
      this.reject(`invalid sparse file size (at most ${MAX_SPARSE_REAL_SIZE} bytes)`);
    if (size < BLOCK) this.reject("sparse map is truncated");
    const name = pax.get("GNU.sparse.name")!;
    if (name === "") this.reject("sparse file name is empty");
    return { name, realSize: Number(realSize) };
  }

  /** A hard link must name an earlier regular file of its own volume, spelled as that entry was. */
  private hardLinkTarget(target: string, volumeIndex: number): string {
    const refuse = (why: string): never => this.reject(`hard link target ${showPath(target)} ${why}`);
    const parsed = parseEntryPath(target, false);
    if (!parsed.ok) return refuse(`is not a valid path (${parsed.reason})`);
    if (parsed.volumeIndex !== volumeIndex) return refuse("is in another volume");
    const nfc = ASCII.test(target)
      ? target
      : target
          .split("/")
          .map((s) => s.normalize("NFC"))
          .join("/");
    const key = pathKey(nfc);
    const flags = this.seen.get(key) ?? 0;
    if (!(flags & IS_EXPLICIT) || !(flags & IS_FILE))
      return refuse(flags & IS_EXPLICIT ? "is not a regular file" : "is not an earlier entry of the archive");
    const knownRaw = this.spellings.get(key);
    if (knownRaw === undefined ? target !== nfc : pathKey(target) !== knownRaw) return refuse("is not spelled as the earlier entry");
    return parsed.relativePath;
  }

  /** Collects a sparse entry's map; once whole and valid, the entry and its held bytes go on. */
  private onSparseMapData(body: Body, data: Buffer, last: boolean): void {
    const entry = body.sparseEntry!;
    body.mapData!.push(data);
    body.mapDataBytes! += data.length;
    if (body.mapDataBytes! < body.nextMapParse! && !last) return;
    body.nextMapParse = 2 * body.mapDataBytes!;
    const bytes = body.mapData!.length === 1 ? body.mapData![0]! : Buffer.concat(body.mapData!);
    body.mapData = [bytes];
    const parsed = parseSparseMap(bytes, entry.sparse!.realSize, entry.size, this.limits.maxSparseMapBytes);
    if (parsed.status === "more") return;
    if (parsed.status === "error") this.reject(parsed.reason);
    entry.sparse = { realSize: entry.sparse!.realSize, segments: parsed.segments, mapBytes: parsed.mapBytes };
    this.expected.push(entry);
    this.push(Buffer.concat(body.held!));
    Object.assign(body, { kind: "data", held: undefined, sparseEntry: undefined, mapData: undefined });
  }

  /**
   * Duplicates, file/directory clashes and Unicode-normalization (NFC) twins. Every prefix
   * of a known path is known, as a directory with the same spelling, so the search starts
   * from the deepest prefix and stops at the first known one.
   */
  private checkUnique(path: string, kind: EntryKind): void {
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
        if (flags & IS_SYMLINK) this.reject(`path lies under a symbolic link (${showPath(prefix(rawSegments, known))})`);
        if (!(flags & IS_DIRECTORY)) this.reject(`file/directory clash: ${showPath(prefix(rawSegments, known))} is a file`);
      } else if (flags & IS_EXPLICIT) {
        this.reject(
          (flags & IS_DIRECTORY) === (kind === "directory" ? IS_DIRECTORY : 0)
            ? "duplicate path"
            : "file/directory clash with an earlier entry",
        );
      } else if (kind !== "directory") {
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
      this.seen.set(keys[i]!, last ? KIND_FLAGS[kind] | IS_EXPLICIT : IS_DIRECTORY);
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
      const what = {
        data: "data",
        manifest: "manifest",
        pax: "pax header",
        longname: "GNU long-name record",
        longlink: "GNU long-link record",
        "sparse-map": "sparse map",
      }[body.kind];
      this.reject(
        body.dataLeft ? `truncated ${what} (${body.dataLeft} of ${body.dataLength} bytes missing)` : `truncated ${what} (in the padding)`,
      );
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
