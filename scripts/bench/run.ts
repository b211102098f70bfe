// `npm run bench`: Berth's capture, restore and download against GNU tar, pigz and cat on
// the same machine, in the same run, on a reproducible dataset. See README.md, "Performance".
//
// Every measurement is repeated (--runs, interleaved Berth / reference / ... so a busy
// neighbour slows all sides alike) and judged on its median. Berth's operations run in
// child processes (scripts/bench/berth-child.ts), timed around the engine call and with
// their own peak RSS; the references are timed around the shell command.
import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { generateDataset, type DatasetSpec, type DatasetSummary } from "./dataset";
import { createEnvironment, type BenchEnvironment } from "./environment";
import { parseOptions, type BenchOptions } from "./options";
import { atLeast, atMost, capped, context, renderTable, samples, type TargetRow } from "./report";
import { ensureSystemPackages, machineInfo, settle, shellQuote as q, timeShell } from "./system";
import { treeDigest } from "./tree-digest";

const root = path.resolve(import.meta.dirname, "../..");
const MB = 1e6;
const RSS_CAP_MB = 250;
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

async function restoreRound(env: BenchEnvironment, workload: { id: string; volume: string }, snapshotId: string, archive: string, raw: Raw, verify: string | null) {
  const parent = path.dirname(workload.volume);
  // Extraction alone, into a staging dir beside the live volume as restore makes it.
  settle(env.workDir);
  const staging = await fs.mkdtemp(path.join(parent, ".bench-extract-"));
  const extract = await env.berth("extract", archive, staging);
  (raw.berthExtractS ??= []).push(seconds(extract.ms));
  await fs.rm(staging, { recursive: true, force: true });

  settle(env.workDir);
  const target = await fs.mkdtemp(path.join(parent, ".bench-tar-x-"));
  const tarX = await timeShell(REFERENCES.tarXzfSync(archive, target));
  (raw.tarXzfSyncS ??= []).push(seconds(tarX.ms));
  await fs.rm(target, { recursive: true, force: true });

  settle(env.workDir);
  const restore = await env.berth("restore", workload.id, snapshotId);
  (raw.berthRestoreS ??= []).push(seconds(restore.ms));
  (raw.berthRestoreRssMB ??= []).push(peakMB(restore.rss.peakKb));
  const phases = restore.phases;
  // Where a restore's time goes: pre-flight, stop + pre-restore snapshot, staging, swap,
  // redeploy + removal of the replaced data.
  const spans: Record<string, [string, string]> = {
    preflight: ["", "starting"],
    stopAndPreRestoreSnapshot: ["starting", "staging"],
    staging: ["staging", "swapping"],
    swap: ["swapping", "redeploying"],
    redeployAndCleanup: ["redeploying", "done"],
  };
  const at = (phase: string) => (phase === "" ? 0 : phases[phase]);
  const breakdown: string[] = [];
  for (const [name, [from, to]] of Object.entries(spans)) {
    const [start, end] = [at(from), at(to)];
    if (start === undefined || end === undefined) continue;
    (raw[`restorePhase.${name}S`] ??= []).push(seconds(end - start));
    breakdown.push(`${name} ${seconds(end - start).toFixed(1)} s`);
  }
  if (typeof restore.result === "string") await env.deleteSnapshot(restore.result); // the pre-restore snapshot
  log(
    `  Berth extraction ${seconds(extract.ms).toFixed(2)} s, tar -xzf + sync -f ${seconds(tarX.ms).toFixed(2)} s, ` +
      `Berth full restore ${seconds(restore.ms).toFixed(2)} s (peak RSS ${peakMB(restore.rss.peakKb).toFixed(0)} MB)`,
  );
  log(`  restore phases: ${breakdown.join(", ")}`);
  log(`  restore peak RSS by phase (MB): ${JSON.stringify(restore.phasePeakMB)}`);
  for (const [phase, mb] of Object.entries(restore.phasePeakMB)) (raw[`restorePeakRss.${phase}MB`] ??= []).push(mb);
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
      const python = sendfile && (await timeShell(`curl -sf -o /dev/null ${q(`http://127.0.0.1:${sendfile.port}/${path.basename(archive)}`)}`));
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
    const child = spawn("python3", ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", dir], { stdio: ["ignore", "pipe", "ignore"] });
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
  return { totalBytes: options.totalBytes * scale, incompressibleShare: options.incompressibleShare, smallFiles: options.smallFiles, seed: options.seed };
}

const describeDataset = (d: DatasetSummary) =>
  `${(d.bytes / 1024 ** 3).toFixed(2)} GiB, ${d.files} files (${d.smallFiles} small) in ${d.directories} dirs, ` +
  `${d.symlinks} symlinks, ${d.hardlinks} hard links, ${d.owners ? `${d.owners} owners` : "no owners (not root)"}, ` +
  `${((100 * d.incompressibleBytes) / d.bytes).toFixed(0)}% incompressible, fingerprint ${d.fingerprint.slice(0, 16)}`;

async function main() {
  const options = parseOptions(process.argv.slice(2), root);
  ensureSystemPackages();
  const machine = machineInfo(options.workBase);
  log(`${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB RAM, ${machine.filesystem}, load ${machine.loadAverageAtStart.join(" ")}`);
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
      }
    } else {
      await captureRound(env, workload, raw, keepFirst);
    }
    const archive = await env.snapshotFile(snapshotId!);

    if (options.only.has("restore")) {
      log(`restore, ${options.runs} rounds (on Berth's archive, ${(await fileMB(archive)).toFixed(0)} MB)`);
      for (let i = 0; i < options.runs; i++) await restoreRound(env, workload, snapshotId!, archive, raw, i === 0 ? digest : null);
    }
    if (options.only.has("download")) {
      log(`download, ${options.runs} rounds`);
      await downloadRounds(env, snapshotId!, archive, options.runs, raw);
    }

    if (options.scale > 0) {
      // Peak RSS must not grow with the data: same small-file count, scale × the bytes.
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
      await restoreRound(env, big, id, await env.snapshotFile(id), scaled, null);
      raw.scaledCaptureS = scaled.berthCaptureS!;
      raw.scaledCaptureRssMB = scaled.berthCaptureRssMB!;
      raw.scaledExtractS = scaled.berthExtractS!;
      raw.scaledRestoreS = scaled.berthRestoreS!;
      raw.scaledRestoreRssMB = scaled.berthRestoreRssMB!;
      raw.scaledTarXzfSyncS = scaled.tarXzfSyncS!;
    }

    const rows = targetRows(raw, options);
    const table = renderTable(rows);
    console.log(`\n${table}\n`);
    const references = {
      tarCzf: REFERENCES.tarCzf("<out>", "<volume>"),
      tarPigz: REFERENCES.tarPigz("<out>", "<volume>"),
      tarXzfSync: REFERENCES.tarXzfSync("<Berth's archive>", "<empty dir beside the volume>"),
    };
    const results = { date: new Date().toISOString(), machine, options: { ...options, only: [...options.only] }, datasets, references, raw, targets: rows };
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
  if (s("tarXzfSyncS").length) {
    const reference = samples("tar -xzf + sync -f", "s", s("tarXzfSyncS"));
    rows.push(atMost("extraction", samples("Berth extraction", "s", s("berthExtractS")), reference, 1.5));
    rows.push(atMost("full restore", samples("Berth restore", "s", s("berthRestoreS")), reference, 2.5));
  }
  if (s("downloadMBs").length) {
    rows.push(atLeast("download throughput", samples("Berth download", "MB/s", s("downloadMBs")), samples("cat > /dev/null", "MB/s", s("catMBs")), 0.8));
    if (s("sendfileMBs").length) {
      rows.push(context("download throughput", samples("Berth download", "MB/s", s("downloadMBs")), samples("python3 http.server (sendfile)", "MB/s", s("sendfileMBs"))));
    }
  }
  if (s("berthCaptureRssMB").length) rows.push(capped(`peak RSS, capture (${size(1)})`, samples("Berth capture", "MB", s("berthCaptureRssMB")), RSS_CAP_MB));
  if (s("berthRestoreRssMB").length) rows.push(capped(`peak RSS, restore (${size(1)})`, samples("Berth restore", "MB", s("berthRestoreRssMB")), RSS_CAP_MB));
  if (s("scaledCaptureRssMB").length) {
    const big = `${size(options.scale)} vs ${size(1)}`;
    rows.push(capped(`peak RSS, capture (${size(options.scale)})`, samples("Berth capture", "MB", s("scaledCaptureRssMB")), RSS_CAP_MB));
    rows.push(capped(`peak RSS, restore (${size(options.scale)})`, samples("Berth restore", "MB", s("scaledRestoreRssMB")), RSS_CAP_MB));
    rows.push(atMost(`peak RSS growth, capture (${big})`, samples("Berth capture", "MB", s("scaledCaptureRssMB")), samples(`at ${size(1)}`, "MB", [Math.max(...s("berthCaptureRssMB"))]), 1.1));
    rows.push(atMost(`peak RSS growth, restore (${big})`, samples("Berth restore", "MB", s("scaledRestoreRssMB")), samples(`at ${size(1)}`, "MB", [Math.max(...s("berthRestoreRssMB"))]), 1.1));
  }
  return rows;
}

await main();
