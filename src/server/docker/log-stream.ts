// Docker's log output for a container without a TTY (Berth never gives one): frames of an
// 8-byte header (stream type, three zero bytes, payload size) and a payload; with
// `timestamps` every line of a payload starts with the time it was written and a space.
import type { LogLine } from "~/server/engine/container-runtime";

export interface LogFrame {
  stream: "stdout" | "stderr";
  payload: Buffer;
}

const HEADER = 8;

const isHeader = (buffer: Buffer, offset: number) =>
  (buffer[offset] === 0 || buffer[offset] === 1 || buffer[offset] === 2) &&
  buffer[offset + 1] === 0 &&
  buffer[offset + 2] === 0 &&
  buffer[offset + 3] === 0;

/**
 * Frames from Docker's multiplexed stream, also when a header or a payload is split across
 * chunks. Output that does not start with a header (a TTY container made by hand) is passed
 * through as stdout.
 */
export async function* demuxFrames(source: AsyncIterable<Buffer | string> | Iterable<Buffer>): AsyncGenerator<LogFrame> {
  let pending: Buffer = Buffer.alloc(0);
  let raw: boolean | undefined;
  for await (const chunk of source) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    if (raw === undefined && bytes.length > 0) raw = !(bytes.length < HEADER ? bytes[0]! <= 2 : isHeader(bytes, 0));
    if (raw) {
      yield { stream: "stdout", payload: bytes };
      continue;
    }
    pending = pending.length === 0 ? bytes : Buffer.concat([pending, bytes]);
    let offset = 0;
    while (pending.length - offset >= HEADER) {
      const size = pending.readUInt32BE(offset + 4);
      if (pending.length - offset - HEADER < size) break;
      yield { stream: pending[offset] === 2 ? "stderr" : "stdout", payload: pending.subarray(offset + HEADER, offset + HEADER + size) };
      offset += HEADER + size;
    }
    pending = pending.subarray(offset);
  }
  if (pending.length > 0) yield { stream: "stdout", payload: pending };
}

/** The frames of a whole (non-streamed) answer. */
export async function collectFrames(buffer: Buffer): Promise<LogFrame[]> {
  const frames: LogFrame[] = [];
  for await (const frame of demuxFrames([buffer])) frames.push(frame);
  return frames;
}

const DOCKER_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/;

/**
 * Docker's RFC3339Nano drops trailing zeros ("…:05.1Z", "…:05Z"); nine digits always make
 * the strings of one zone sort by time. Null when `time` is not such a UTC time.
 */
export function normalizeLogTime(time: string): string | null {
  const match = DOCKER_TIME.exec(time);
  if (!match) return null;
  return `${match[1]}.${(match[2] ?? "").padEnd(9, "0")}Z`;
}

/** A log time as the `since` / `until` query of Docker's API: seconds and nanoseconds since the epoch. */
export function dockerTimestamp(time: string): string {
  const normalized = normalizeLogTime(time);
  if (!normalized) throw new Error(`not a log time: ${time}`);
  const seconds = Date.parse(`${normalized.slice(0, 19)}Z`) / 1000;
  return `${seconds}.${normalized.slice(20, 29)}`;
}

const EPOCH = "1970-01-01T00:00:00.000000000Z";

/** The lines of frames read with `timestamps: true`; a line without a time (never seen from Docker) keeps the one before's. */
export function linesOf(frames: LogFrame[]): LogLine[] {
  const lines: LogLine[] = [];
  // A long line comes in several frames (Docker splits at 16 KiB), each with its own time.
  for (const frame of frames) {
    for (const line of frame.payload.toString("utf8").split("\n")) {
      if (line === "") continue;
      const space = line.indexOf(" ");
      const time = space > 0 ? normalizeLogTime(line.slice(0, space)) : null;
      const text = (time ? line.slice(space + 1) : line).replace(/\r$/, "");
      lines.push({ time: time ?? lines.at(-1)?.time ?? EPOCH, stream: frame.stream, text });
    }
  }
  return lines;
}

/**
 * The newest whole lines of a log, at most `maxBytes` of them, kept while it is read once:
 * memory stays within `maxBytes` (plus one chunk) however long the log. Chunks are copied,
 * so a kept line never pins the larger buffer it was cut from.
 */
export function newestLines(maxBytes: number) {
  const ring: Buffer[] = [];
  let head = 0;
  let size = 0;
  let truncated = false;
  return {
    push(chunk: Buffer) {
      if (chunk.length === 0) return;
      ring.push(Buffer.from(chunk));
      size += chunk.length;
      while (size > maxBytes) {
        truncated = true;
        const oldest = ring[head]!;
        const excess = size - maxBytes;
        // Cut after the newline that ends the line holding the excess' last byte: only whole lines stay.
        const end = excess >= oldest.length ? -1 : oldest.indexOf(10, excess - 1);
        if (end === -1 || end === oldest.length - 1) {
          size -= oldest.length;
          ring[head++] = Buffer.alloc(0);
        } else {
          size -= end + 1;
          ring[head] = oldest.subarray(end + 1);
        }
        // Let the dropped slots go now and then, not on every line.
        if (head > 1024 && head * 2 > ring.length) {
          ring.splice(0, head);
          head = 0;
        }
      }
    },
    /** true once older lines were left out */
    get truncated() {
      return truncated;
    },
    /** The kept chunks, oldest first; each is let go as it is handed out. */
    *drain(): Generator<Buffer> {
      while (head < ring.length) {
        const chunk = ring[head]!;
        ring[head++] = Buffer.alloc(0);
        if (chunk.length > 0) yield chunk;
      }
    },
  };
}
