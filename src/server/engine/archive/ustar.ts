// Minimal POSIX ustar encoding for the writer: regular files, directories, symbolic and hard
// links, with one pax `x` record before an entry when something does not fit the ustar
// fields (long path or link target, size ≥ 8 GiB, large ids, a sub-second mtime) or when the
// entry is a sparse file (GNU tar's PAX 1.0 sparse format, see sparse-map.ts).

export const BLOCK = 512;
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);
const MAX_OCTAL_11 = 0o77777777777; // 8 GiB - 1 in the 12-byte size / mtime fields
const MAX_OCTAL_7 = 0o7777777; // uid / gid fields
const NS_PER_SECOND = 1_000_000_000n;

export type UstarType = "file" | "directory" | "symlink" | "hardlink" | "pax";
const TYPEFLAG: Record<UstarType, string> = { file: "0", hardlink: "1", symlink: "2", directory: "5", pax: "x" };

export interface UstarEntry {
  path: string;
  type: UstarType;
  /** Bytes of data that follow the header (for a sparse file: its map block and data segments). */
  size: number;
  /** Permission bits including setuid, setgid and sticky (mode & 0o7777). */
  mode: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** Nanoseconds since the epoch; a sub-second part is written as a pax `mtime` record. */
  mtimeNs?: bigint;
  uid?: number;
  gid?: number;
  /** Symlink: the target text. Hard link: the archive path of the earlier file. */
  linkTarget?: string;
  /** A sparse file: its real name and size (the header then carries GNU tar's stand-in name). */
  sparse?: { realSize: number };
}

/** Sum of the header bytes with the checksum field counted as spaces (unsigned). */
export function headerChecksum(block: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum;
}

export const paddingFor = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;

function writeOctal(block: Buffer, offset: number, width: number, value: number): void {
  block.write(
    `${Math.floor(value)
      .toString(8)
      .padStart(width - 1, "0")}\0`,
    offset,
    width,
    "ascii",
  );
}

/** Split a path into ustar prefix (≤ 155 bytes) + name (≤ 100 bytes) at a `/`, or null. */
function splitUstarPath(path: string): { prefix: string; name: string } | null {
  if (Buffer.byteLength(path) <= 100) return { prefix: "", name: path };
  // Keep a directory's trailing slash in the name part.
  const body = path.endsWith("/") ? path.slice(0, -1) : path;
  for (let i = body.lastIndexOf("/"); i > 0; i = body.lastIndexOf("/", i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) > 155) continue;
    return Buffer.byteLength(name) <= 100 && name !== "" ? { prefix, name } : null;
  }
  return null;
}

/** One pax record: `<len> <key>=<value>\n`, where len counts itself. */
export function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(rest) + 1;
  while (String(len).length + Buffer.byteLength(rest) !== len) len++;
  return `${len}${rest}`;
}

/** GNU tar's stand-in name for a sparse file, which tools without sparse support extract as is. */
export function sparseStandInPath(path: string): string {
  const slash = path.lastIndexOf("/");
  return `${path.slice(0, slash + 1)}GNUSparseFile.0/${path.slice(slash + 1)}`;
}

interface BlockFields {
  names: { prefix: string; name: string };
  type: UstarType;
  size: number;
  mode: number;
  mtime: number;
  uid: number;
  gid: number;
  linkName: string;
}

function encodeBlock(f: BlockFields): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(f.names.name, 0, 100, "utf8");
  writeOctal(block, 100, 8, f.mode & 0o7777);
  writeOctal(block, 108, 8, f.uid <= MAX_OCTAL_7 ? f.uid : 0); // larger ids: pax uid/gid
  writeOctal(block, 116, 8, f.gid <= MAX_OCTAL_7 ? f.gid : 0);
  if (f.size <= MAX_OCTAL_11) writeOctal(block, 124, 12, f.size);
  else {
    // GNU base-256 as a fallback for readers that ignore the pax `size` record.
    block[124] = 0x80;
    block.writeBigUInt64BE(BigInt(f.size), 128);
  }
  writeOctal(block, 136, 12, Math.min(Math.max(0, f.mtime), MAX_OCTAL_11));
  block.write(TYPEFLAG[f.type], 156, 1, "ascii");
  block.write(f.linkName, 157, 100, "utf8");
  block.write("ustar\x0000", 257, 8, "ascii");
  writeOctal(block, 329, 8, 0);
  writeOctal(block, 337, 8, 0);
  block.write(f.names.prefix, 345, 155, "utf8");
  writeOctal(block, 148, 7, headerChecksum(block));
  block[155] = 0x20; // checksum is "nnnnnn\0 " by tradition
  return block;
}

/** `seconds.nanoseconds` as pax writes it, or null when the time is whole seconds. */
function fractionalTime(ns: bigint | undefined): string | null {
  if (ns === undefined || ns < 0n || ns % NS_PER_SECOND === 0n) return null;
  return `${ns / NS_PER_SECOND}.${String(ns % NS_PER_SECOND).padStart(9, "0")}`;
}

/**
 * Header block(s) for one entry: one pax `x` record first when anything does not fit the
 * ustar fields or the entry is sparse. Non-ASCII paths that fit are written as raw UTF-8.
 */
export function encodeHeader(entry: UstarEntry): Buffer {
  const uid = entry.uid ?? 0;
  const gid = entry.gid ?? 0;
  const headerPath = entry.sparse ? sparseStandInPath(entry.path) : entry.path;
  const names = splitUstarPath(headerPath);
  const link = entry.linkTarget ?? "";
  const linkFits = Buffer.byteLength(link) <= 100;
  let records = "";
  if (entry.sparse) {
    records += paxRecord("GNU.sparse.major", "1") + paxRecord("GNU.sparse.minor", "0");
    records += paxRecord("GNU.sparse.name", entry.path) + paxRecord("GNU.sparse.realsize", String(entry.sparse.realSize));
  }
  if (!names) records += paxRecord("path", headerPath);
  if (!linkFits) records += paxRecord("linkpath", link);
  if (entry.size > MAX_OCTAL_11) records += paxRecord("size", String(entry.size));
  if (uid > MAX_OCTAL_7) records += paxRecord("uid", String(uid));
  if (gid > MAX_OCTAL_7) records += paxRecord("gid", String(gid));
  const fraction = fractionalTime(entry.mtimeNs);
  if (fraction) records += paxRecord("mtime", fraction);
  const main = encodeBlock({
    names: names ?? { prefix: "", name: "././@PaxPath" },
    type: entry.type,
    size: entry.size,
    mode: entry.mode,
    mtime: entry.mtime,
    uid,
    gid,
    linkName: linkFits ? link : "././@LongLink",
  });
  if (!records) return main;
  const body = Buffer.from(records, "utf8");
  const pax = encodeBlock({
    names: { prefix: "", name: "././@PaxHeader" },
    type: "pax",
    size: body.length,
    mode: 0o644,
    mtime: entry.mtime,
    uid: 0,
    gid: 0,
    linkName: "",
  });
  return Buffer.concat([pax, body, Buffer.alloc(paddingFor(body.length)), main]);
}
