import type http from "node:http";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { directBodyOf } from "./file-response";

/** Snapshot downloads, served by the Node server itself (Next strips their Content-Length). */
export const DOWNLOAD_ROUTE = /^\/api\/snapshots\/([A-Za-z0-9_-]{1,64})\/download\/?$/;

/** Runs a fetch-style handler on a Node request and sends its Response as-is. */
export async function serveFetchHandler(req: http.IncomingMessage, res: http.ServerResponse, handler: (r: Request) => Promise<Response>) {
  const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
  }
  const response = await handler(new Request(url, { method: req.method, headers }));
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (!response.body || req.method === "HEAD") {
    res.end();
    return;
  }
  const direct = directBodyOf(response);
  if (direct) await response.body.cancel(); // never opened: the file is piped directly below
  const body = direct ? direct() : Readable.fromWeb(response.body as unknown as WebReadableStream);
  // A client that goes away closes the file behind the stream.
  res.on("close", () => body.destroy());
  body.on("error", () => res.destroy());
  body.pipe(res);
}
