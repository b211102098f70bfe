// Berth's HTTP server: Next.js for everything, except the few routes whose responses Next
// would alter (it strips Content-Length from route handlers). Run by `npm start` / `npm run dev`.
import http from "node:http";
import path from "node:path";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import next from "next";

const dev = process.argv.includes("--dev");
const port = Number(process.env.PORT || 3000);
const hostname = process.env.HOST || "0.0.0.0";
const root = path.resolve(import.meta.dirname, "../..");

const app = next({ dev, dir: root, hostname, port });
const handleWithNext = app.getRequestHandler();
await app.prepare();
// Recovery of interrupted restores (and the first-admin seed) finish before the first request.
await (await import("./startup")).runStartupTasks();
(await import("./server-pid-file")).writeServerPidFile((await import("./database-url")).dataDir());
const { snapshotDownload } = await import("./http/snapshot-download");

const DOWNLOAD = /^\/api\/snapshots\/([A-Za-z0-9_-]{1,64})\/download\/?$/;

/** Runs a fetch-style handler on a Node request and sends its Response as-is. */
async function serve(req: http.IncomingMessage, res: http.ServerResponse, handler: (r: Request) => Promise<Response>) {
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
  const body = Readable.fromWeb(response.body as unknown as WebReadableStream);
  // A client that goes away closes the file behind the stream.
  res.on("close", () => body.destroy());
  body.on("error", () => res.destroy());
  body.pipe(res);
}

http
  .createServer((req, res) => {
    const pathname = (req.url ?? "/").split("?")[0]!;
    const download = DOWNLOAD.exec(pathname);
    if (download && (req.method === "GET" || req.method === "HEAD")) {
      serve(req, res, (r) => snapshotDownload(r, download[1]!)).catch((error: unknown) => {
        console.error(error);
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
      return;
    }
    void handleWithNext(req, res);
  })
  .listen(port, hostname, () => console.log(`berth: listening on http://${hostname}:${port}${dev ? " (dev)" : ""}`));
