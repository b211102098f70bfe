// One Berth operation in its own process, so its wall time excludes Node's start-up and
// module loading (a running server has paid those) and its peak RSS (VmHWM) is its own:
//
//   capture <workloadId>               createSnapshot, as the API runs it
//   capture-quiesce <workloadId>       createSnapshot with the containers stopped during the capture
//   restore <workloadId> <snapshotId>  restoreSnapshot (stage, stop, swap, start: returns when the workload
//                                      is up), then deps.restores.settled() (the undo copy made durable
//                                      and recorded, the replaced data removed)
//   extract <archive> <stagingDir>     extractSnapshotArchive alone (the staging phase, durability included)
//   serve                              the download route over HTTP on a free loopback port, as src/server/main.ts serves it
//
// The last stdout line is JSON, a ChildReport (environment.ts): { ms, result, rss: { beforeKb,
// peakKb }, timeline, restore? }, peakKb being the peak resident set during the operation
// (VmHWM, reset just before it; for a restore, through the end of its background work).
// Environment: BERTH_DATA_DIR, DATABASE_URL, DOCKER_HOST, BERTH_DOCKER_NETWORK, NEXTAUTH_SECRET (set by run.ts).
import { createReadStream } from "node:fs";
import fs from "node:fs";
import http from "node:http";
import type { ChildReport, PhaseSpan, RestoreReport } from "./environment";

function status(field: "VmRSS" | "VmHWM"): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(fs.readFileSync("/proc/self/status", "utf8"));
  return match ? Number(match[1]) : 0;
}

async function main() {
  const [command, a, b] = process.argv.slice(2);
  const { systemActor } = await import("~/server/engine/actor");
  const actor = systemActor("bench");

  if (command === "serve") {
    const { snapshotDownload } = await import("~/server/http/snapshot-download");
    const { DOWNLOAD_ROUTE, serveFetchHandler } = await import("~/server/http/node-bridge");
    const server = http.createServer((req, res) => {
      const match = DOWNLOAD_ROUTE.exec((req.url ?? "/").split("?")[0]!);
      if (!match) return void res.writeHead(404).end();
      serveFetchHandler(req, res, (r) => snapshotDownload(r, match[1]!)).catch(() => res.destroy());
    });
    server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ port: (server.address() as { port: number }).port })));
    process.on("SIGTERM", () => server.close(() => process.exit(0)));
    return;
  }

  const { createDb } = await import("~/server/db");
  const { createEngineDeps } = await import("~/server/create-engine-deps");
  const { engineSettingsFromEnv } = await import("~/server/settings");
  const db = createDb();
  const deps = createEngineDeps(db, engineSettingsFromEnv());
  let operation: () => Promise<unknown>;
  // restore: what happens once the call returned (the background undo copy), and Berth's record of it.
  let restoreReport: ((upMs: number) => Promise<RestoreReport>) | undefined;
  if (command === "capture" || command === "capture-quiesce") {
    const { createSnapshot } = await import("~/server/engine/snapshots/capture");
    operation = async () =>
      (await createSnapshot(deps, actor, { workloadId: a!, label: "bench", quiesce: command === "capture-quiesce" })).id;
  } else if (command === "restore") {
    const { restoreSnapshot } = await import("~/server/engine/restore/restore");
    let restored: Awaited<ReturnType<typeof restoreSnapshot>> | undefined;
    operation = async () => (restored = await restoreSnapshot(deps, actor, { workloadId: a!, snapshotId: b!, confirm: b! }));
    restoreReport = async (upMs) => {
      await deps.restores.settled();
      const undoDurableMs = performance.now() - started;
      const { restoreRunId, preRestoreSnapshotId } = restored!;
      const run = await db.restoreRun.findUniqueOrThrow({ where: { id: restoreRunId } });
      return {
        restoreRunId,
        preRestoreSnapshotId,
        upMs,
        undoDurableMs,
        run: {
          downtimeMs: run.downtimeMs,
          upAfterMs: run.upAfterMs,
          durationMs: run.durationMs,
          undoCopy: run.undoCopy,
          phases: JSON.parse(run.phases) as RestoreReport["run"]["phases"],
        },
      };
    };
  } else if (command === "extract") {
    const { extractSnapshotArchive } = await import("~/server/engine/archive/extractor");
    const { ARCHIVE_READ_CHUNK } = await import("~/server/engine/restore/restore");
    operation = async () =>
      (await extractSnapshotArchive(createReadStream(a!, { highWaterMark: ARCHIVE_READ_CHUNK }), { targets: new Map([[0, b!]]) })).files;
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
  const started = performance.now();
  // The operation's phases as the UI sees them (each phase change of its progress events),
  // with the peak RSS within each (sampled every 50 ms).
  const timeline: PhaseSpan[] = [];
  const watching = new AbortController();
  let peakKb = 0;
  const sampler = setInterval(() => (peakKb = Math.max(peakKb, status("VmRSS"))), 50);
  const closeSpan = () => {
    const last = timeline.at(-1);
    if (!last) return;
    last.endMs = Math.round(performance.now() - started);
    last.peakMB = Math.round((Math.max(peakKb, status("VmRSS")) * 1024) / 1e6);
    peakKb = 0;
  };
  const watched = (async () => {
    let current: string | undefined;
    for await (const event of deps.operations.watch(a!, watching.signal)) {
      if (event.phase === current) continue;
      current = event.phase;
      closeSpan();
      // A restore opens in the hub's "starting" phase: until its first own phase, its pre-flight.
      const phase = command === "restore" && timeline.length === 0 && event.phase === "starting" ? "preflight" : event.phase;
      timeline.push({ phase, startMs: Math.round(performance.now() - started), endMs: 0, peakMB: 0 });
    }
  })();
  const result = await operation();
  const ms = performance.now() - started;
  const restore = await restoreReport?.(ms);
  const hwmKb = status("VmHWM");
  // Let the last progress event ("done") reach the timeline before the watch ends.
  await new Promise((resolve) => setImmediate(resolve));
  watching.abort();
  await watched;
  closeSpan();
  clearInterval(sampler);
  await db.$disconnect();
  const report: ChildReport = {
    ms,
    result: restore ? restore.preRestoreSnapshotId : result,
    rss: { beforeKb, peakKb: hwmKb },
    timeline,
    restore,
  };
  console.log(JSON.stringify(report));
}

await main();
