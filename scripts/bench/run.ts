// `npm run bench`: Berth's capture, restore and download against GNU tar, pigz and cat on
// the same machine, in the same run, on a reproducible dataset. See README.md, "Performance".
//
// Every measurement is repeated (--runs, interleaved Berth / reference / ... so a busy
// neighbour slows all sides alike) and judged on its median. Berth's operations run in
// child processes (scripts/bench/berth-child.ts), timed around the engine call and with
// their own peak RSS; the references are timed around the shell command. Downtime (of a
// restore, of a capture with the containers stopped) is taken here, from Docker's own events
// (scripts/bench/docker-downtime.ts), and set beside the one Berth records.
import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { generateDataset, type DatasetSpec, type DatasetSummary } from "./dataset";
import type { DowntimeReport } from "./docker-downtime";
import { removeTree } from "~/server/engine/remove-tree";
import { createEnvironment, type BenchEnvironment, type ChildReport } from "./environment";
import { parseOptions, type BenchOptions } from "./options";
import { atLeast, atMost, capped, cappedMedian, context, contextValue, renderTable, samples, type TargetRow } from "./report";
import { ensureSystemPackages, machineInfo, settle, shellQuote as q, timeShell } from "./system";
import { treeDigest } from "./tree-digest";

const root = path.resolve(import.meta.dirname, "../..");
const MB = 1e6;
const RSS_CAP_MB = 250;
// Restore downtime (the workload's container die → start, from Docker's events), at any size.
const DOWNTIME_CAP_S = 3;
const seconds = (ms: number) => ms / 1000;
const log = (message: string) => console.log(`bench: ${message}`);
const fileMB = async (file: string) => (await fs.stat(file)).size / MB;
const peakMB = (kb: number) => (kb * 1024) / MB;

interface Raw {
  [series: string]: number[];
}

// The reference tools carry what Berth carries: numeric owners and full modes (as root, GNU
// tar restores owners by default; -p keeps setgid and the modes as archived), symlinks and
// hard links (tar archives both natively), so both sides do the same work.
const TAR_OWNERS = "--numeric-owner -p";
const REFERENCES = {
  tarCzf: (out: string, volume: string) => `tar ${TAR_OWNERS} -czf ${q(out)} -C ${q(volume)} .`,
  tarPigz: (out: string, volume: string) => `tar ${TAR_OWNERS} -cf - -C ${q(volume)} . | pigz -6 > ${q(out)}`,
  tarXzfSync: (archive: string, target: string) => `tar ${TAR_OWNERS} -xzf ${q(archive)} -C ${q(target)} && sync -f ${q(target)}`,
};

async function captureRound(env: BenchEnvironment, workload: { id: string; volume: string }, raw: Raw, keep: (id: string) => boolean) {
  settle(env.workDir);
  const berth = await env.berth("capture", workload.id);
  const id = berth.result as string;
  (raw.berthCaptureS ??= []).push(seconds(berth.ms));
  (raw.berthArchiveMB ??= []).push(await fileMB(await env.snapshotFile(id)));
  (raw.berthCaptureRssMB ??= []).push(peakMB(berth.rss.peakKb));
  (raw.berthCaptureRssBeforeMB ??= []).push(peakMB(berth.rss.beforeKb));
  if (!keep(id)) await env.deleteSnapshot(id);
  log(`  Berth capture ${seconds(berth.ms).toFixed(2)} s, peak RSS ${peakMB(berth.rss.peakKb).toFixed(0)} MB`);
  return { id };
}

async function referenceCaptureRound(env: BenchEnvironment, volume: string, raw: Raw) {
  const out = path.join(env.workDir, "reference.tar.gz");
  settle(env.workDir);
  const tarGz = await timeShell(REFERENCES.tarCzf(out, volume));
  (raw.tarCzfS ??= []).push(seconds(tarGz.ms));
  (raw.tarCzfMB ??= []).push(await fileMB(out));
  await fs.rm(out);
  settle(env.workDir);
  const pigz = await timeShell(REFERENCES.tarPigz(out, volume));
  (raw.tarPigzS ??= []).push(seconds(pigz.ms));
  (raw.tarPigzMB ??= []).push(await fileMB(out));
  await fs.rm(out);
  log(`  tar -czf ${seconds(tarGz.ms).toFixed(2)} s, tar | pigz -6 ${seconds(pigz.ms).toFixed(2)} s`);
}

/** The workload was running: Docker must have seen its container die and start again. */
function dockerDowntimeMs(report: DowntimeReport, what: string): number {
  if (report.downtimeMs === null || report.intervals.some((i) => i.startAt === null)) {
    throw new Error(`${what}: Docker did not see the workload's container die and start again (${JSON.stringify(report.intervals)})`);
  }
  return report.downtimeMs;
}

/** A capture with the containers stopped during it (quiesce): its wall time and, from Docker's events, its downtime. */
async function quiescedCaptureRound(env: BenchEnvironment, workload: { id: string }, raw: Raw) {
  settle(env.workDir);
  const docker = await env.watchDowntime(workload.id);
  const berth = await env.berth("capture-quiesce", workload.id);
  const downtimeMs = dockerDowntimeMs(await docker.stop(), "quiesced capture");
  (raw.berthQuiescedCaptureS ??= []).push(seconds(berth.ms));
  (raw.quiescedCaptureDowntimeS ??= []).push(seconds(downtimeMs));
  await env.deleteSnapshot(berth.result as string);
  log(
    `  Berth capture, containers stopped: ${seconds(berth.ms).toFixed(2)} s, down ${seconds(downtimeMs).toFixed(2)} s (Docker die → start)`,
  );
}

const describePhases = (list: Array<{ phase: string; ms: number }>) =>
  list.map((p) => `${p.phase} ${seconds(p.ms).toFixed(2)} s`).join(", ");

async function restoreRound(
  env: BenchEnvironment,
  workload: { id: string; volume: string },
  snapshotId: string,
  archive: string,
  raw: Raw,
  verify: string | null,
  round: number,
) {
  const parent = path.dirname(workload.volume);
  let extract!: ChildReport;
  let tarX!: { ms: number };
  let child!: ChildReport;
  let downtimeMs = 0;
  const steps = [
    async () => {
      // Extraction alone, into a staging dir beside the live volume as restore makes it.
      const staging = await fs.mkdtemp(path.join(parent, ".bench-extract-"));
      extract = await env.berth("extract", archive, staging);
      (raw.berthExtractS ??= []).push(seconds(extract.ms));
      await removeTree(staging);
    },
    async () => {
      const target = await fs.mkdtemp(path.join(parent, ".bench-tar-x-"));
      tarX = await timeShell(REFERENCES.tarXzfSync(archive, target));
      (raw.tarXzfSyncS ??= []).push(seconds(tarX.ms));
      await removeTree(target);
    },
    async () => {
      // The restore, with its downtime as Docker saw it (this process, not Berth's own record).
      const docker = await env.watchDowntime(workload.id);
      child = await env.berth("restore", workload.id, snapshotId);
      downtimeMs = dockerDowntimeMs(await docker.stop(), "restore");
    },
  ];
  // Each round runs the three in another order: this disk slows down under sustained writes,
  // and whichever writes its gigabyte last would pay for the others.
  for (let i = 0; i < steps.length; i++) {
    settle(env.workDir);
    await steps[(i + round) % steps.length]!();
  }
  const restore = child.restore!;
  if (restore.run.undoCopy !== "saved") throw new Error(`restore: the undo copy was not saved (undoCopy ${restore.run.undoCopy})`);
  (raw.berthRestoreUpS ??= []).push(seconds(restore.upMs));
  (raw.berthRestoreUndoDurableS ??= []).push(seconds(restore.undoDurableMs));
  (raw.berthRestoreRssMB ??= []).push(peakMB(child.rss.peakKb));
  (raw.restoreDowntimeS ??= []).push(seconds(downtimeMs));
  if (restore.run.downtimeMs !== null) (raw.berthRecordedDowntimeS ??= []).push(seconds(restore.run.downtimeMs));
  if (restore.run.upAfterMs !== null) (raw.berthRecordedUpAfterS ??= []).push(seconds(restore.run.upAfterMs));
  // Where the time goes: the operation's phases as the UI saw them (a phase seen twice counts
  // once, summed), their peak RSS, and the phases the RestoreRun recorded.
  const byPhase = new Map<string, { ms: number; peakMB: number }>();
  for (const span of child.timeline) {
    const seen = byPhase.get(span.phase) ?? { ms: 0, peakMB: 0 };
    byPhase.set(span.phase, { ms: seen.ms + span.endMs - span.startMs, peakMB: Math.max(seen.peakMB, span.peakMB) });
  }
  for (const [phase, { ms, peakMB: mb }] of byPhase) {
    (raw[`restorePhase.${phase}S`] ??= []).push(seconds(ms));
    (raw[`restorePeakRss.${phase}MB`] ??= []).push(mb);
  }
  for (const { phase, ms } of restore.run.phases) (raw[`restoreRunPhase.${phase}S`] ??= []).push(seconds(ms));
  if (restore.preRestoreSnapshotId) await env.deleteSnapshot(restore.preRestoreSnapshotId);
  log(`  Berth extraction ${seconds(extract.ms).toFixed(2)} s, tar -xzf + sync -f ${seconds(tarX.ms).toFixed(2)} s`);
  log(
    `  Berth restore: up after ${seconds(restore.upMs).toFixed(2)} s, undo copy durable after ${seconds(restore.undoDurableMs).toFixed(2)} s ` +
      `(peak RSS ${peakMB(child.rss.peakKb).toFixed(0)} MB); down ${seconds(downtimeMs).toFixed(2)} s (Docker die → start), ` +
      `${restore.run.downtimeMs === null ? "none" : `${seconds(restore.run.downtimeMs).toFixed(2)} s`} (Berth's record)`,
  );
  log(
    `  restore phases (operation events): ${child.timeline.map((t) => `${t.phase} ${seconds(t.endMs - t.startMs).toFixed(2)} s (${t.peakMB} MB)`).join(", ")}`,
  );
  log(
    `  restore run (Berth's record): ${describePhases(restore.run.phases)}; up after ${restore.run.upAfterMs === null ? "?" : `${seconds(restore.run.upAfterMs).toFixed(2)} s`}, ` +
      `all done after ${restore.run.durationMs === null ? "?" : `${seconds(restore.run.durationMs).toFixed(2)} s`}`,
  );
  if (verify) {
    const digest = await treeDigest(workload.volume);
    if (digest !== verify) throw new Error("the restored volume differs from the dataset");
    log("  restored volume verified: identical to the dataset (paths, owners, modes, symlinks, hard links, contents)");
  }
}

async function downloadRounds(env: BenchEnvironment, snapshotId: string, archive: string, runs: number, raw: Raw) {
  const server = await env.startDownloadServer();
  // What HTTP over loopback can do here at all: Python's file server, which uses sendfile(2)
  // (context only: skipped where python3 is missing).
  const sendfile = await startSendfileServer(path.dirname(archive)).catch(() => null);
  try {
    const size = (await fs.stat(archive)).size;
    const url = `http://127.0.0.1:${server.port}/api/snapshots/${snapshotId}/download`;
    const curl = `curl -sf -o /dev/null -H ${q(`Authorization: Bearer ${env.token}`)} ${q(url)}`;
    await timeShell(`cat ${q(archive)} > /dev/null && ${curl}`); // warm the page cache and the route
    for (let i = 0; i < runs; i++) {
      const berth = await timeShell(curl);
      const cat = await timeShell(`cat ${q(archive)} > /dev/null`);
      const python =
        sendfile && (await timeShell(`curl -sf -o /dev/null ${q(`http://127.0.0.1:${sendfile.port}/${path.basename(archive)}`)}`));
      (raw.downloadMBs ??= []).push(size / MB / seconds(berth.ms));
      (raw.catMBs ??= []).push(size / MB / seconds(cat.ms));
      if (python) (raw.sendfileMBs ??= []).push(size / MB / seconds(python.ms));
      log(
        `  download ${(size / MB / seconds(berth.ms)).toFixed(0)} MB/s, cat ${(size / MB / seconds(cat.ms)).toFixed(0)} MB/s` +
          (python ? `, python3 http.server (sendfile) ${(size / MB / seconds(python.ms)).toFixed(0)} MB/s` : ""),
      );
    }
  } finally {
    server.stop();
    sendfile?.stop();
  }
}

/** `python3 -m http.server` on a free loopback port, serving `dir`. */
function startSendfileServer(dir: string): Promise<{ port: number; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", dir], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    let out = "";
    child.on("error", reject);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const port = /port (\d+)/.exec(out)?.[1];
      if (port) resolve({ port: Number(port), stop: () => child.kill() });
    });
    child.on("exit", (code) => reject(new Error(`python3 -m http.server exited (${code})`)));
  });
}

function spec(options: BenchOptions, scale = 1): DatasetSpec {
  return {
    totalBytes: options.totalBytes * scale,
    incompressibleShare: options.incompressibleShare,
    smallFiles: options.smallFiles,
    seed: options.seed,
  };
}

const describeDataset = (d: DatasetSummary) =>
  `${(d.bytes / 1024 ** 3).toFixed(2)} GiB, ${d.files} files (${d.smallFiles} small) in ${d.directories} dirs, ` +
  `${d.symlinks} symlinks, ${d.hardlinks} hard links, ${d.owners ? `${d.owners} owners` : "no owners (not root)"}, ` +
  `${((100 * d.incompressibleBytes) / d.bytes).toFixed(0)}% incompressible, fingerprint ${d.fingerprint.slice(0, 16)}`;

async function main() {
  const options = parseOptions(process.argv.slice(2), root);
  ensureSystemPackages();
  const machine = machineInfo(options.workBase);
  log(
    `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB RAM, ${machine.filesystem}, load ${machine.loadAverageAtStart.join(" ")}`,
  );
  const env = await createEnvironment(root, options.workBase);
  const raw: Raw = {};
  const datasets: DatasetSummary[] = [];
  try {
    const workload = await env.createWorkload("bench");
    log(`generating the dataset in ${workload.volume}`);
    const dataset = await generateDataset(workload.volume, spec(options));
    datasets.push(dataset);
    log(`dataset: ${describeDataset(dataset)} (${(dataset.generateMs / 1000).toFixed(1)} s)`);
    const digest = await treeDigest(workload.volume);

    let snapshotId: string | undefined;
    const keepFirst = (id: string) => (snapshotId ??= id) === id;
    if (options.only.has("capture")) {
      log(`capture, ${options.runs} rounds`);
      for (let i = 0; i < options.runs; i++) {
        await captureRound(env, workload, raw, keepFirst);
        await referenceCaptureRound(env, workload.volume, raw);
        await quiescedCaptureRound(env, workload, raw);
      }
    } else {
      await captureRound(env, workload, raw, keepFirst);
    }
    const archive = await env.snapshotFile(snapshotId!);

    if (options.only.has("restore")) {
      log(`restore, ${options.runs} rounds (on Berth's archive, ${(await fileMB(archive)).toFixed(0)} MB)`);
      for (let i = 0; i < options.runs; i++) await restoreRound(env, workload, snapshotId!, archive, raw, i === 0 ? digest : null, i);
    }
    if (options.only.has("download")) {
      log(`download, ${options.runs} rounds`);
      await downloadRounds(env, snapshotId!, archive, options.runs, raw);
    }

    if (options.scale > 0) {
      // Peak RSS and downtime must not grow with the data: same small-file count, scale × the bytes.
      await env.deleteSnapshot(snapshotId!);
      await fs.rm(workload.volume, { recursive: true, force: true });
      await fs.mkdir(workload.volume);
      const big = await env.createWorkload("bench-scale");
      log(`generating the ${options.scale}× dataset`);
      const bigDataset = await generateDataset(big.volume, spec(options, options.scale));
      datasets.push(bigDataset);
      log(`dataset: ${describeDataset(bigDataset)}`);
      const scaled: Raw = {};
      const { id } = await captureRound(env, big, scaled, () => true);
      await restoreRound(env, big, id, await env.snapshotFile(id), scaled, null, 0);
      for (const [key, values] of Object.entries(scaled)) raw[`scaled.${key}`] = values;
    }

    const rows = targetRows(raw, options);
    const table = renderTable(rows);
    console.log(`\n${table}\n`);
    const references = {
      tarCzf: REFERENCES.tarCzf("<out>", "<volume>"),
      tarPigz: REFERENCES.tarPigz("<out>", "<volume>"),
      tarXzfSync: REFERENCES.tarXzfSync("<Berth's archive>", "<empty dir beside the volume>"),
    };
    const results = {
      date: new Date().toISOString(),
      machine,
      options: { ...options, only: [...options.only] },
      datasets,
      references,
      raw,
      targets: rows,
    };
    await fs.mkdir(path.dirname(options.out), { recursive: true });
    await fs.writeFile(options.out, `${JSON.stringify(results, null, 2)}\n`);
    const targets = rows.filter((r) => r.pass !== null);
    log(`wrote ${path.relative(root, options.out)}; ${targets.filter((r) => r.pass).length} of ${targets.length} targets met`);
  } finally {
    await env.close(options.keep);
    if (options.keep) log(`kept ${env.workDir}`);
  }
}

function targetRows(raw: Raw, options: BenchOptions): TargetRow[] {
  const rows: TargetRow[] = [];
  const s = (key: string) => raw[key] ?? [];
  const size = (scale: number) => `${((options.totalBytes * scale) / 1024 ** 3).toFixed(2).replace(/\.00$/, "")} GiB`;
  if (s("tarCzfS").length) {
    const capture = samples("Berth capture", "s", s("berthCaptureS"));
    rows.push(atMost("capture wall time", capture, samples("tar -czf", "s", s("tarCzfS")), 0.5));
    rows.push(atMost("capture wall time", capture, samples("tar | pigz -6", "s", s("tarPigzS")), 1.0));
    rows.push(atMost("archive size", samples("Berth archive", "MB", s("berthArchiveMB")), samples("tar -czf", "MB", s("tarCzfMB")), 1.03));
  }
  if (s("quiescedCaptureDowntimeS").length) {
    rows.push(
      contextValue(`capture downtime, containers stopped (${size(1)})`, samples("Docker die → start", "s", s("quiescedCaptureDowntimeS"))),
    );
    rows.push(
      context(
        "capture wall time, containers stopped",
        samples("Berth, stopped", "s", s("berthQuiescedCaptureS")),
        samples("Berth, live", "s", s("berthCaptureS")),
      ),
    );
  }
  if (s("tarXzfSyncS").length) {
    const reference = samples("tar -xzf + sync -f", "s", s("tarXzfSyncS"));
    rows.push(atMost("extraction", samples("Berth extraction", "s", s("berthExtractS")), reference, 1.5));
    rows.push(atMost("time until workload up", samples("Berth restore", "s", s("berthRestoreUpS")), reference, 1.3));
    rows.push(atMost("time until undo copy durable", samples("Berth restore", "s", s("berthRestoreUndoDurableS")), reference, 2.5));
  }
  if (s("restoreDowntimeS").length) {
    const docker = samples("Docker die → start", "s", s("restoreDowntimeS"));
    rows.push(cappedMedian(`restore downtime (${size(1)})`, docker, DOWNTIME_CAP_S));
    if (s("berthRecordedDowntimeS").length)
      rows.push(context(`restore downtime, Berth's record (${size(1)})`, samples("RestoreRun", "s", s("berthRecordedDowntimeS")), docker));
  }
  if (s("downloadMBs").length) {
    rows.push(
      atLeast(
        "download throughput",
        samples("Berth download", "MB/s", s("downloadMBs")),
        samples("cat > /dev/null", "MB/s", s("catMBs")),
        0.8,
      ),
    );
    if (s("sendfileMBs").length) {
      rows.push(
        context(
          "download throughput",
          samples("Berth download", "MB/s", s("downloadMBs")),
          samples("python3 http.server (sendfile)", "MB/s", s("sendfileMBs")),
        ),
      );
    }
  }
  if (s("berthCaptureRssMB").length)
    rows.push(capped(`peak RSS, capture (${size(1)})`, samples("Berth capture", "MB", s("berthCaptureRssMB")), RSS_CAP_MB));
  if (s("berthRestoreRssMB").length)
    rows.push(capped(`peak RSS, restore (${size(1)})`, samples("Berth restore", "MB", s("berthRestoreRssMB")), RSS_CAP_MB));
  if (s("scaled.berthCaptureRssMB").length) {
    const big = `${size(options.scale)} vs ${size(1)}`;
    rows.push(
      capped(`peak RSS, capture (${size(options.scale)})`, samples("Berth capture", "MB", s("scaled.berthCaptureRssMB")), RSS_CAP_MB),
    );
    rows.push(
      capped(`peak RSS, restore (${size(options.scale)})`, samples("Berth restore", "MB", s("scaled.berthRestoreRssMB")), RSS_CAP_MB),
    );
    rows.push(
      atMost(
        `peak RSS growth, capture (${big})`,
        samples("Berth capture", "MB", s("scaled.berthCaptureRssMB")),
        samples(`at ${size(1)}`, "MB", [Math.max(...s("berthCaptureRssMB"))]),
        1.1,
      ),
    );
    if (s("berthRestoreRssMB").length) {
      rows.push(
        atMost(
          `peak RSS growth, restore (${big})`,
          samples("Berth restore", "MB", s("scaled.berthRestoreRssMB")),
          samples(`at ${size(1)}`, "MB", [Math.max(...s("berthRestoreRssMB"))]),
          1.1,
        ),
      );
    }
    const docker = samples("Docker die → start", "s", s("scaled.restoreDowntimeS"));
    rows.push(cappedMedian(`restore downtime (${size(options.scale)})`, docker, DOWNTIME_CAP_S));
    if (s("restoreDowntimeS").length)
      rows.push(atMost(`restore downtime flat (${big})`, docker, samples(`at ${size(1)}`, "s", s("restoreDowntimeS")), 1.2));
  }
  return rows;
}

await main();
