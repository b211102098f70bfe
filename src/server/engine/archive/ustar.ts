// Minimal POSIX ustar encoding for the writer: regular files, directories and pax `x`
// records (only when a path or size does not fit the ustar fields).

export const BLOCK = 512;
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);
const MAX_OCTAL_11 = 0o77777777777; // 8 GiB - 1 in the 12-byte size / mtime fields

export type UstarType = "file" | "directory" | "pax";
const TYPEFLAG: Record<UstarType, string> = { file: "0", directory: "5", pax: "x" };

export interface UstarEntry {
  path: string;
  type: UstarType;
  size: number;
  mode: number;
  /** Seconds since the epoch. */
  mtime: number;
}

/** Sum of the header bytes with the checksum field counted as spaces (unsigned). */
export function headerChecksum(block: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum;
}

export const paddingFor = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;

function writeOctal(block: Buffer, offset: number, width: number, value: number): void {
  block.write(`${Math.floor(value).toString(8).padStart(width - 1, "0")}\0`, offset, width, "ascii");
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

function encodeBlock(entry: UstarEntry, names: { prefix: string; name: string }, size: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(names.name, 0, 100, "utf8");
  writeOctal(block, 100, 8, entry.mode & 0o777);
  writeOctal(block, 108, 8, 0); // uid: owners are never carried
  writeOctal(block, 116, 8, 0); // gid
  if (size <= MAX_OCTAL_11) writeOctal(block, 124, 12, size);
  else {
    // GNU base-256 as a fallback for readers that ignore the pax `size` record.
    block[124] = 0x80;
    block.writeBigUInt64BE(BigInt(size), 128);
  }
  writeOctal(block, 136, 12, Math.min(Math.max(0, entry.mtime), MAX_OCTAL_11));
  block.write(TYPEFLAG[entry.type], 156, 1, "ascii");
  block.write("ustar\x0000", 257, 8, "ascii");
  writeOctal(block, 329, 8, 0);
  writeOctal(block, 337, 8, 0);
  block.write(names.prefix, 345, 155, "utf8");
  writeOctal(block, 148, 7, headerChecksum(block));
  block[155] = 0x20; // checksum is "nnnnnn\0 " by tradition
  return block;
}

/**
 * Header block(s) for one entry: a pax `x` record first when the path or the size does not
 * fit the ustar fields. Non-ASCII paths that fit are written as raw UTF-8 (no pax needed).
 */
export function encodeHeader(entry: UstarEntry): Buffer {
  const names = splitUstarPath(entry.path);
  const records = (names ? "" : paxRecord("path", entry.path)) + (entry.size > MAX_OCTAL_11 ? paxRecord("size", String(entry.size)) : "");
  const main = encodeBlock(entry, names ?? { prefix: "", name: "././@PaxPath" }, entry.size);
  if (!records) return main;
  const body = Buffer.from(records, "utf8");
  const pax = encodeBlock({ path: "././@PaxHeader", type: "pax", size: body.length, mode: 0o644, mtime: entry.mtime }, { prefix: "", name: "././@PaxHeader" }, body.length);
  return Buffer.concat([pax, body, Buffer.alloc(paddingFor(body.length)), main]);
}
