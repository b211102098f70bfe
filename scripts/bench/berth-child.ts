// One Berth operation in its own process, so its wall time excludes Node's start-up and
// module loading (a running server has paid those) and its peak RSS (VmHWM) is its own:
//
//   capture <workloadId>               createSnapshot, as the API runs it
//   restore <workloadId> <snapshotId>  restoreSnapshot: pre-flight, pre-restore snapshot, staging, swap, redeploy
//   extract <archive> <stagingDir>     extractSnapshotArchive alone (the staging phase, durability included)
//   serve                              the download route over HTTP on a free loopback port, as src/server/main.ts serves it
//
// The last stdout line is JSON: { ms, result, rss: { beforeKb, peakKb }, phases, phasePeakMB },
// peakKb being the peak resident set during the operation (VmHWM, reset just before it).
// Environment: BERTH_DATA_DIR, DATABASE_URL, DOCKER_HOST, NEXTAUTH_SECRET (set by run.ts).
import { createReadStream } from "node:fs";
import fs from "node:fs";
import http from "node:http";

function status(field: "VmRSS" | "VmHWM"): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(fs.readFileSync("/proc/self/status", "utf8"));
  return match ? Number(match[1]) : 0;
}

async function main() {
  const [command, a, b] = process.argv.slice(2);
  const { systemActor } = await import("../../src/server/engine/actor");
  const actor = systemActor("bench");

  if (command === "serve") {
    const { snapshotDownload } = await import("../../src/server/http/snapshot-download");
    const { DOWNLOAD_ROUTE, serveFetchHandler } = await import("../../src/server/http/node-bridge");
    const server = http.createServer((req, res) => {
      const match = DOWNLOAD_ROUTE.exec((req.url ?? "/").split("?")[0]!);
      if (!match) return void res.writeHead(404).end();
      serveFetchHandler(req, res, (r) => snapshotDownload(r, match[1]!)).catch(() => res.destroy());
    });
    server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: (server.address() as { port: number }).port })));
    process.on("SIGTERM", () => server.close(() => process.exit(0)));
    return;
  }

  const { createDb } = await import("../../src/server/db");
  const { createEngineDeps } = await import("../../src/server/create-engine-deps");
  const db = createDb();
  const deps = createEngineDeps(db, { dataDir: process.env.BERTH_DATA_DIR!, dockerHost: process.env.DOCKER_HOST, dockerNetwork: "none", absoluteRoots: [] });
  let operation: () => Promise<unknown>;
  if (command === "capture") {
    const { createSnapshot } = await import("../../src/server/engine/snapshots/capture");
    operation = async () => (await createSnapshot(deps, actor, { workloadId: a!, label: "bench" })).id;
  } else if (command === "restore") {
    const { restoreSnapshot } = await import("../../src/server/engine/restore/restore");
    operation = async () => (await restoreSnapshot(deps, actor, { workloadId: a!, snapshotId: b!, confirm: b! })).preRestoreSnapshotId;
  } else if (command === "extract") {
    const { extractSnapshotArchive } = await import("../../src/server/engine/archive/extractor");
    const { ARCHIVE_READ_CHUNK } = await import("../../src/server/engine/restore/restore");
    operation = async () => (await extractSnapshotArchive(createReadStream(a!, { highWaterMark: ARCHIVE_READ_CHUNK }), { targets: new Map([[0, b!]]) })).files;
  } else {
    throw new Error(`unknown command ${command}`);
  }
  // Warm the database connection outside the measurement, as a running server has it open.
  await db.snapshot.count();
  // Start the peak from here: loading and transpiling the modules peaks higher than idle, and
  // a server has done that long before. Writing 5 to clear_refs resets VmHWM (Linux ≥ 4.0).
  (globalThis as { gc?: () => void }).gc?.();
  fs.writeFileSync("/proc/self/clear_refs", "5");
  const beforeKb = status("VmRSS");
  // When each phase of a restore began (ms from the start), from the progress the UI shows:
  // "starting" is the end of the pre-flight, "done" the end of the cleanup.
  const phases: Record<string, number> = {};
  const watching = new AbortController();
  const started = performance.now();
  // And the peak RSS within each phase (sampled every 50 ms), keyed by the phase it ended.
  const phasePeakMB: Record<string, number> = {};
  let peakSincePhase = 0;
  const sampler = setInterval(() => (peakSincePhase = Math.max(peakSincePhase, status("VmRSS"))), 50);
  if (command === "restore") {
    void (async () => {
      for await (const event of deps.operations.watch(a!, watching.signal)) {
        if (event.kind === "restore" && !(event.phase in phases)) {
          phasePeakMB[`until ${event.phase}`] = Math.round((Math.max(peakSincePhase, status("VmRSS")) * 1024) / 1e6);
          peakSincePhase = 0;
          phases[event.phase] = Math.round(performance.now() - started);
        }
      }
    })();
  }
  const result = await operation();
  const ms = performance.now() - started;
  const peakKb = status("VmHWM");
  watching.abort();
  clearInterval(sampler);
  await db.$disconnect();
  console.log(JSON.stringify({ ms, result, rss: { beforeKb, peakKb }, phases, phasePeakMB }));
}

await main();
