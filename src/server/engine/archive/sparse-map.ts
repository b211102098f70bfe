// Sparse files in GNU tar's PAX 1.0 format (the one `tar --format=pax -S` writes; GNU tar and
// bsdtar restore the holes): pax keys GNU.sparse.{major=1,minor=0,name,realsize}, and at the
// start of the entry's data a map of decimal numbers, one per line: the count of segments,
// then offset and length of each data segment, padded with NULs to a 512-byte block; the
// segments' bytes follow, back to back. A file that ends in a hole ends its map with
// (realsize, 0), as GNU tar does.
import { paddingFor } from "./ustar";

export type SparseSegment = [offset: number, length: number];

/** Holes are found in units of this many bytes (a filesystem block on ext4, xfs and btrfs). */
export const SPARSE_SCAN_UNIT = 4096;
/** More segments than this: the rest of the file is kept as one data segment (map stays small). */
export const MAX_SPARSE_SEGMENTS = 50_000;
/** ext4's largest file; a bigger real size in an archive is refused. */
export const MAX_SPARSE_REAL_SIZE = 2 ** 44;
const SCAN_CHUNK = 1024 * 1024;
const ZERO = Buffer.alloc(SPARSE_SCAN_UNIT);
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

/** Does the file occupy fewer blocks than its size needs? Only then is it scanned for holes. */
export const looksSparse = (size: bigint, blocks: bigint) => size > 0n && blocks * 512n < size;

/**
 * The data segments of an open file of `size` bytes: every run of non-zero 4 KiB units.
 * Reads the whole file, a chunk per `read` call (holes read as zeros without touching the
 * disk); Node has no SEEK_DATA, so this is GNU tar's fallback scan. Allocated zero units
 * count as holes too: the restored file never takes more blocks than GNU tar's copy would.
 * Asynchronous and abortable: a huge sparse file costs time, never the event loop.
 */
export async function scanDataSegments(
  read: (buffer: Buffer, length: number, position: number) => Promise<number>,
  size: number,
  signal?: AbortSignal,
): Promise<SparseSegment[]> {
  const buffer = Buffer.allocUnsafe(SCAN_CHUNK);
  const segments: SparseSegment[] = [];
  for (let position = 0; position < size; ) {
    signal?.throwIfAborted();
    const got = await read(buffer, Math.min(buffer.length, size - position), position);
    if (got === 0) break; // shrank: the caller's size check reports it
    for (let offset = 0; offset < got; offset += SPARSE_SCAN_UNIT) {
      const end = Math.min(offset + SPARSE_SCAN_UNIT, got);
      if (ZERO.compare(buffer, offset, end, 0, end - offset) === 0) continue;
      const start = position + offset;
      const last = segments[segments.length - 1];
      if (last && (last[0] + last[1] === start || segments.length >= MAX_SPARSE_SEGMENTS)) last[1] = start + (end - offset) - last[0];
      else segments.push([start, end - offset]);
    }
    position += got;
  }
  return segments;
}

/** The map block (padded) as written before the data. */
export function encodeSparseMap(segments: readonly SparseSegment[], realSize: number): Buffer {
  const entries = [...segments];
  const last = entries[entries.length - 1];
  if (!last || last[0] + last[1] < realSize) entries.push([realSize, 0]);
  const text = `${entries.length}\n${entries.map(([o, l]) => `${o}\n${l}\n`).join("")}`;
  const bytes = Buffer.byteLength(text);
  const block = Buffer.alloc(bytes + paddingFor(bytes));
  block.write(text, 0, "ascii");
  return block;
}

export type SparseMapParse =
  | { status: "more" }
  | { status: "error"; reason: string }
  | { status: "ok"; segments: SparseSegment[]; mapBytes: number };

/**
 * Parses the map at the start of a sparse entry's data, strictly: decimal numbers only,
 * segments in order and apart, inside the real size, zero-length only last, NUL padding, and
 * map + segments exactly the entry's size. "more": `data` does not hold the whole map yet.
 */
export function parseSparseMap(data: Buffer, realSize: number, entrySize: number, maxMapBytes: number): SparseMapParse {
  const numbers: number[] = [];
  let pos = 0;
  let count = -1;
  while (count === -1 || numbers.length < 1 + 2 * count) {
    const newline = data.indexOf(0x0a, pos);
    if (newline === -1 || newline > maxMapBytes) {
      if (data.length >= maxMapBytes || data.length >= entrySize)
        return {
          status: "error",
          reason:
            newline === -1 && data.length < maxMapBytes ? "sparse map is truncated" : `sparse map is larger than ${maxMapBytes} bytes`,
        };
      return { status: "more" };
    }
    const text = data.toString("latin1", pos, newline);
    if (!DECIMAL.test(text)) return { status: "error", reason: "sparse map holds something other than decimal numbers" };
    numbers.push(Number(text));
    pos = newline + 1;
    if (count === -1) {
      count = numbers[0]!;
      if (count < 1) return { status: "error", reason: "sparse map is empty" };
      if (2 * count * 2 > maxMapBytes) return { status: "error", reason: `sparse map is larger than ${maxMapBytes} bytes` };
    }
  }
  const mapBytes = pos + paddingFor(pos);
  if (mapBytes > entrySize) return { status: "error", reason: "sparse map is longer than the entry" };
  if (data.length < mapBytes) return { status: "more" };
  if (data.subarray(pos, mapBytes).some((b) => b !== 0)) return { status: "error", reason: "sparse map padding is not zero" };
  const segments: SparseSegment[] = [];
  let end = 0;
  let stored = 0;
  for (let i = 0; i < count; i++) {
    const offset = numbers[1 + 2 * i]!;
    const length = numbers[2 + 2 * i]!;
    if (offset < end) return { status: "error", reason: "sparse map segments overlap or are out of order" };
    if (offset + length > realSize) return { status: "error", reason: "sparse map segment lies beyond the file's size" };
    if (length === 0 && i !== count - 1) return { status: "error", reason: "sparse map has an empty segment before its end" };
    end = offset + length;
    stored += length;
    if (length > 0) segments.push([offset, length]);
  }
  if (mapBytes + stored !== entrySize) return { status: "error", reason: "sparse map does not match the entry's size" };
  return { status: "ok", segments, mapBytes };
}
