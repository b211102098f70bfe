// Berth's HTTP server: Next.js for everything, except the few routes whose responses Next
// would alter (it strips Content-Length from route handlers). Run by `npm start` / `npm run dev`.
import http from "node:http";
import path from "node:path";
import next from "next";

const dev = process.argv.includes("--dev");
// A self-hosted admin tool does not phone home: Next's telemetry stays off unless the operator sets it.
process.env.NEXT_TELEMETRY_DISABLED ??= "1";
const port = Number(process.env.PORT || 3000);
const hostname = process.env.HOST || "0.0.0.0";
const root = path.resolve(import.meta.dirname, "../..");

const app = next({ dev, dir: root, hostname, port });
const handleWithNext = app.getRequestHandler();
await app.prepare();
// Recovery of interrupted restores (and the first-admin seed) finish before the first request.
await (await import("./startup")).runStartupTasks();
const { snapshotDownload } = await import("./http/snapshot-download");
const { DOWNLOAD_ROUTE, serveFetchHandler } = await import("./http/node-bridge");
const { stampClientAddress } = await import("./auth/client-address");
const { REQUEST_PATH_HEADER } = await import("../shared/next-path");
const { applySecurityHeaders, securityHeaders } = await import("./http/security-headers");
const responseHeaders = securityHeaders(dev);

http
  .createServer((req, res) => {
    applySecurityHeaders(res, responseHeaders);
    stampClientAddress(req); // the only client address Next believes (auth/client-address.ts)
    // The page's own path for sign-in's return (page-session.ts); replaces any copy a client sent.
    req.headers[REQUEST_PATH_HEADER] = req.url ?? "/";
    const pathname = (req.url ?? "/").split("?")[0]!;
    const download = DOWNLOAD_ROUTE.exec(pathname);
    if (download && (req.method === "GET" || req.method === "HEAD")) {
      serveFetchHandler(req, res, (r) => snapshotDownload(r, download[1]!)).catch((error: unknown) => {
        console.error(error);
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
      return;
    }
    void handleWithNext(req, res);
  })
  .listen(port, hostname, () => console.log(`berth: listening on http://${hostname}:${port}${dev ? " (dev)" : ""}`));
