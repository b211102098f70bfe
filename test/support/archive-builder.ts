// A deliberately naive raw tar builder for tests: writes 512-byte ustar headers exactly as
// told (any typeflag, any name bytes, right or wrong checksums), pax `x`/`g` records, GNU
// `L`/`K` records, links, GNU tar's PAX 1.0 sparse entries, and gzip helpers. It shares no
// code with the archive module under test.
import { gzipSync } from "node:zlib";

export const BLOCK = 512;
export const END = Buffer.alloc(2 * BLOCK);

export interface HeaderSpec {
  /** Raw name field (≤ 100 bytes, NUL padded). */
  name: string | Buffer;
  prefix?: string | Buffer;
  type?: string;
  /** Value of the size field; defaults to the data length given to record(). */
  size?: number;
  /** Raw 12-byte size field, overrides `size`. */
  sizeField?: string | Buffer;
  mode?: number;
  mtime?: number;
  /** Raw linkname field (≤ 100 bytes, NUL padded); bytes after a NUL are written as given. */
  linkname?: string | Buffer;
  /** 8 bytes at offset 257. */
  magic?: string;
  /** "signed": summed as signed bytes, as some old tars did (differs once a byte is ≥ 0x80). */
  checksum?: "valid" | "invalid" | "signed";
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
}

const octal = (value: number, width: number) => `${value.toString(8).padStart(width - 1, "0")}\0`;

function put(block: Buffer, offset: number, width: number, value: string | Buffer): void {
  const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : value;
  if (bytes.length > width) throw new Error(`field at ${offset} too long (${bytes.length} > ${width})`);
  bytes.copy(block, offset);
}

export function header(spec: HeaderSpec): Buffer {
  const block = Buffer.alloc(BLOCK);
  put(block, 0, 100, spec.name);
  put(block, 100, 8, octal(spec.mode ?? 0o644, 8));
  put(block, 108, 8, octal(spec.uid ?? 0, 8));
  put(block, 116, 8, octal(spec.gid ?? 0, 8));
  put(block, 124, 12, spec.sizeField ?? octal(spec.size ?? 0, 12));
  put(block, 136, 12, octal(spec.mtime ?? 1_700_000_000, 12));
  put(block, 156, 1, spec.type ?? "0");
  if (spec.linkname) put(block, 157, 100, spec.linkname);
  put(block, 257, 8, spec.magic ?? "ustar\u000000");
  if (spec.uname) put(block, 265, 32, spec.uname);
  if (spec.gname) put(block, 297, 32, spec.gname);
  if (spec.prefix) put(block, 345, 155, spec.prefix);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    sum += spec.checksum === "signed" && byte >= 0x80 ? byte - 0x100 : byte;
  }
  if (spec.checksum === "invalid") sum += 1;
  put(block, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return block;
}

const padding = (n: number) => Buffer.alloc((BLOCK - (n % BLOCK)) % BLOCK);

/** Header + data + zero padding. */
export function record(spec: HeaderSpec, data: string | Buffer = Buffer.alloc(0)): Buffer {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  return Buffer.concat([header({ size: bytes.length, ...spec }), bytes, padding(bytes.length)]);
}

export const file = (name: string | Buffer, data: string | Buffer = "", spec: Partial<HeaderSpec> = {}) =>
  record({ name, type: "0", ...spec }, data);
export const dir = (name: string | Buffer, spec: Partial<HeaderSpec> = {}) => record({ name, type: "5", mode: 0o755, ...spec });
/** Symbolic link (type 2): `target` is written into the linkname field as given. */
export const symlink = (name: string | Buffer, target: string | Buffer, spec: Partial<HeaderSpec> = {}) =>
  record({ name, type: "2", mode: 0o777, linkname: target, ...spec });
/** Hard link (type 1): `target` is written into the linkname field as given. */
export const hardlink = (name: string | Buffer, target: string | Buffer, spec: Partial<HeaderSpec> = {}) =>
  record({ name, type: "1", linkname: target, ...spec });

/** One pax record `<len> <key>=<value>\n` (len counts itself). */
export function paxLine(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(rest) + 1;
  while (String(len).length + Buffer.byteLength(rest) !== len) len++;
  return `${len}${rest}`;
}

export function pax(records: Record<string, string> | string | Buffer, type: "x" | "g" = "x"): Buffer {
  const body =
    typeof records === "string" || Buffer.isBuffer(records)
      ? records
      : Object.entries(records)
          .map(([k, v]) => paxLine(k, v))
          .join("");
  return record({ name: "PaxHeader/x", type }, body);
}

/** GNU `L` (long name) or `K` (long link) record; the body is the name plus a NUL. */
export const gnuLong = (name: string | Buffer, type: "L" | "K" = "L") =>
  record({ name: "././@LongLink", type }, Buffer.concat([Buffer.from(name), Buffer.from([0])]));

export type SparseSegment = [offset: number, length: number];

export interface SparseSpec {
  /** The file's archive path, recorded in GNU.sparse.name. */
  name: string;
  realSize: number;
  /** Map entries as written, in order (GNU tar ends the map with [realSize, 0] when the file ends in a hole). */
  map: SparseSegment[];
  /** Raw map text instead of the one made from `map` (then padded with NULs to a block). */
  mapText?: string | Buffer;
  /** The segments' bytes after the map block; default: sparseData() of the map's total length. */
  data?: Buffer;
  /** pax records added to or replacing GNU tar's four (null: left out). */
  keys?: Record<string, string | null>;
  /** Header name; default GNU tar's stand-in `<dir>/GNUSparseFile.0/<base>`. */
  headerName?: string;
  spec?: Partial<HeaderSpec>;
}

/** Segment bytes: letters only (never a zero, a newline or a digit), deterministic. */
export const sparseData = (length: number, seed = 0) => Buffer.from(Array.from({ length }, (_, i) => 0x61 + ((i + seed) % 26)));

/**
 * A sparse file in GNU tar's PAX 1.0 format (`tar --posix -S`): a pax record with
 * GNU.sparse.{major=1,minor=0,name,realsize}, then a regular-file header under the stand-in
 * name whose data is the map ("count\noffset\nlength\n…", NUL padded to a block) and the
 * segments back to back. Two parts, so naiveCounts sees the file header.
 */
export function sparseFile(s: SparseSpec): [Buffer, Buffer] {
  const text = s.mapText ?? `${s.map.length}\n${s.map.map(([o, l]) => `${o}\n${l}\n`).join("")}`;
  const mapBytes = typeof text === "string" ? Buffer.from(text, "latin1") : text;
  const data = s.data ?? sparseData(s.map.reduce((sum, [, l]) => sum + l, 0));
  const keys: Record<string, string | null> = {
    "GNU.sparse.major": "1",
    "GNU.sparse.minor": "0",
    "GNU.sparse.name": s.name,
    "GNU.sparse.realsize": String(s.realSize),
    ...s.keys,
  };
  const slash = s.name.lastIndexOf("/");
  const headerName = s.headerName ?? `${s.name.slice(0, slash + 1)}GNUSparseFile.0/${s.name.slice(slash + 1)}`;
  const records = Object.entries(keys)
    .filter((kv): kv is [string, string] => kv[1] !== null)
    .map(([k, v]) => paxLine(k, v))
    .join("");
  return [pax(records), file(headerName, Buffer.concat([mapBytes, padding(mapBytes.length), data]), s.spec)];
}

/** What a sparse file reads as: zeros, with each map segment's bytes taken in turn from `data`. */
export function sparseContent(realSize: number, map: SparseSegment[], data = sparseData(map.reduce((sum, [, l]) => sum + l, 0))): Buffer {
  const out = Buffer.alloc(realSize);
  let at = 0;
  for (const [offset, length] of map) {
    data.copy(out, offset, at, at + length);
    at += length;
  }
  return out;
}

export interface ManifestVolume {
  index: number;
  target: string;
  scope: string;
  source: string;
  files: number;
  bytes: number;
}

export function manifestObject(overrides: Record<string, unknown> = {}, volumes = 2) {
  return {
    format: "berth-snapshot",
    version: 1,
    snapshotId: "snap-1",
    workloadId: "wl-1",
    workloadName: "web",
    createdAt: "2024-01-01T00:00:00.000Z",
    volumes: Array.from(
      { length: volumes },
      (_, index): ManifestVolume => ({
        index,
        target: `/data${index}`,
        scope: "project",
        source: `vol${index}`,
        files: 0,
        bytes: 0,
      }),
    ),
    skipped: [],
    ...overrides,
  };
}

export const manifestRecord = (body: object | string | Buffer) =>
  file("berth-manifest.json", typeof body === "object" && !Buffer.isBuffer(body) ? JSON.stringify(body) : body);

/** files/bytes per volume of `volumes/<n>/...` regular-file records, read from each part's first header (sparse: real size). */
export function naiveCounts(parts: Buffer[]): Map<number, { files: number; bytes: number }> {
  const counts = new Map<number, { files: number; bytes: number }>();
  // A sparse file counts with its real size (holes included), given by the pax record before it.
  let realSize: number | undefined;
  for (const part of parts) {
    if (part.length >= BLOCK && part[156] === 0x78) {
      const match = /GNU\.sparse\.realsize=(\d+)\n/.exec(part.subarray(BLOCK).toString("latin1"));
      realSize = match && Number.isSafeInteger(Number(match[1])) ? Number(match[1]) : undefined;
      continue;
    }
    const sparseSize = realSize;
    realSize = undefined;
    if (part.length < BLOCK || part[156] !== 0x30) continue;
    const name = part.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
    const prefix = part.subarray(345, 500).toString("utf8").replace(/\0.*$/s, "");
    const match = /^volumes\/(\d+)\//.exec(prefix ? `${prefix}/${name}` : name);
    if (!match) continue;
    const size = parseInt(part.subarray(124, 136).toString("latin1"), 8) || 0;
    const c = counts.get(Number(match[1])) ?? { files: 0, bytes: 0 };
    c.files += 1;
    c.bytes += sparseSize ?? size;
    counts.set(Number(match[1]), c);
  }
  return counts;
}

/**
 * A whole snapshot tar: a manifest (counts taken from `parts` unless given; `version`
 * defaults to 1), the parts, and the end-of-archive marker (unless `end: false`).
 */
export function snapshotTar(
  parts: Buffer[],
  options: { manifest?: Record<string, unknown>; volumes?: number; end?: boolean; version?: number } = {},
): Buffer {
  const m = manifestObject(
    { ...(options.version === undefined ? {} : { version: options.version }), ...options.manifest },
    options.volumes,
  );
  const counts = naiveCounts(parts);
  if (!options.manifest?.volumes) {
    for (const v of m.volumes) Object.assign(v, counts.get(v.index) ?? {});
  }
  return Buffer.concat([manifestRecord(m), ...parts, options.end === false ? Buffer.alloc(0) : END]);
}

export const gzip = (data: Buffer, level = 6) => gzipSync(data, { level });
/** Each buffer gzipped as its own member, concatenated (valid per RFC 1952). */
export const gzipMembers = (...parts: Buffer[]) => Buffer.concat(parts.map((p) => gzip(p)));
export const concat = (...parts: (Buffer | string)[]) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : p)));
export const truncate = (data: Buffer, keep: number) => data.subarray(0, keep);
export function flipByte(data: Buffer, offset: number): Buffer {
  const copy = Buffer.from(data);
  const i = offset < 0 ? copy.length + offset : offset;
  copy[i] = copy[i]! ^ 0xff;
  return copy;
}
