import fs from "node:fs";
import { Readable } from "node:stream";

export interface DownloadableFile {
  path: string;
  size: number;
  etag: string;
  lastModified: Date;
  downloadName: string;
  contentType: string;
}

/** `attachment` with an ASCII fallback and the exact UTF-8 name (RFC 6266 / 5987). */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

type ByteRange = { start: number; end: number } | "unsatisfiable" | null;

/** One `bytes=` range (the only kind resumable downloaders send); several ranges are served whole. */
export function parseRange(header: string | null, size: number): ByteRange {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, from, to] = match;
  if (from === "" && to === "") return null;
  if (from === "") {
    const suffix = Number(to);
    if (suffix === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(from);
  const end = to === "" ? size - 1 : Math.min(Number(to), size - 1);
  if (start >= size || start > end) return "unsatisfiable";
  return { start, end };
}

// Large reads keep syscalls few; backpressure (pull-based, or pipe's) keeps memory flat.
const READ_CHUNK = 1024 * 1024;

// A Node server in front (src/server/main.ts) pipes the file straight into the socket: a
// web stream costs a promise and a copy per chunk, which caps loopback downloads at a
// fraction of the disk's rate. The web body stays for fetch-style callers (Next's route
// handlers) and opens the file only when first read, so skipping it costs nothing.
const directBodies = new WeakMap<Response, () => Readable>();

/** The file behind a fileResponse() as a Node stream, for servers that can pipe it. */
export const directBodyOf = (response: Response) => directBodies.get(response);

function lazyWebBody(open: () => Readable): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        reader ??= (Readable.toWeb(open()) as ReadableStream<Uint8Array>).getReader();
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => reader?.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

/** A streamed file response with ETag / If-None-Match, single ranges (206/416) and HEAD. */
export function fileResponse(req: Request, file: DownloadableFile): Response {
  const etag = `"${file.etag}"`;
  const headers = new Headers({
    "Content-Type": file.contentType,
    "Content-Disposition": contentDisposition(file.downloadName),
    ETag: etag,
    "Last-Modified": file.lastModified.toUTCString(),
    "Accept-Ranges": "bytes",
    "Cache-Control": "private, no-cache",
  });
  const ifNoneMatch = req.headers.get("if-none-match");
  if (ifNoneMatch?.split(",").some((t) => t.trim() === etag || t.trim() === "*")) {
    return new Response(null, { status: 304, headers });
  }
  const ifRange = req.headers.get("if-range");
  const range = ifRange && ifRange !== etag ? null : parseRange(req.headers.get("range"), file.size);
  if (range === "unsatisfiable") {
    headers.set("Content-Range", `bytes */${file.size}`);
    headers.delete("Content-Disposition");
    return new Response(null, { status: 416, headers });
  }
  const { start, end } = range ?? { start: 0, end: file.size - 1 };
  headers.set("Content-Length", String(file.size === 0 ? 0 : end - start + 1));
  if (range) headers.set("Content-Range", `bytes ${start}-${end}/${file.size}`);
  const status = range ? 206 : 200;
  if (req.method === "HEAD" || file.size === 0) return new Response(null, { status, headers });
  const open = () => fs.createReadStream(file.path, { start, end, highWaterMark: READ_CHUNK });
  const response = new Response(lazyWebBody(open), { status, headers });
  directBodies.set(response, open);
  return response;
}
