// Issue #13: a restore stages while the workload runs, is down only for stop → swap → start
// (measured here from Docker's own events), saves the undo copy in the background, and until
// that copy exists undoes itself with two renames.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { createDockerClient } from "~/server/docker/client";
import { db } from "~/server/db";
import { engineDeps } from "~/server/engine-deps";
import { readSnapshotArchive } from "~/server/engine/archive/strict-reader";
import { createSnapshot } from "~/server/engine/snapshots/capture";
import { pinSnapshot, snapshotDir, snapshotFilePath } from "~/server/engine/snapshots/snapshot-store";
import { journalDir, journalState, listJournals } from "~/server/engine/restore/journal";
import { restoreSnapshot } from "~/server/engine/restore/restore";
import { listRestoreRuns } from "~/server/engine/restore/restore-runs";
import { resumeUndoCopies } from "~/server/engine/restore/undo-copy";
import { undoRestore } from "~/server/engine/restore/undo-restore";
import type { OperationEvent } from "~/server/engine/operations";
import { deployWorkload, getWorkload, startWorkload, stopWorkload } from "~/server/engine/workloads/workloads";
import { removeWorkloadContainersAfterAll } from "../support/container-cleanup";
import { hashTree } from "../support/hash-tree";
import { makeWorkload, testActor } from "../support/workload-fixtures";
import { restoreChild } from "../support/restore-child-process";
import type { EngineDeps } from "~/server/engine/deps";

removeWorkloadContainersAfterAll();
// Event watchers a failed test left open.
const openWatchers = new Set<{ close(): Promise<void> }>();
afterEach(async () => {
  // No undo copy still being written may leak into the next test (or the next file).
  await engineDeps.restores.settled();
  for (const w of openWatchers) await w.close();
});

const docker = createDockerClient(inject("dockerHost"));
const child = restoreChild;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MiB = 1024 * 1024;
const ALL_PHASES = ["staging", "stopping", "swapping", "starting", "saving-undo-copy", "removing-old-data"];

/** Replaces the folder's contents (not the folder: its inode is what the undo test follows). */
async function fill(dir: string, version: string, bigBytes: number) {
  for (const name of await fs.readdir(dir)) await fs.rm(path.join(dir, name), { recursive: true, force: true });
  await fs.mkdir(path.join(dir, "sub"));
  await fs.writeFile(path.join(dir, "version.txt"), `${version}\n`);
  await fs.writeFile(path.join(dir, `only-${version}.txt`), version);
  await fs.writeFile(path.join(dir, "big.bin"), randomBytes(bigBytes));
  for (let i = 0; i < 20; i++) await fs.writeFile(path.join(dir, "sub", `${i}.txt`), `${version} ${i}\n`.repeat(100));
}

/** A running one-volume workload: its snapshot holds "snapshot" data, its live folder "current" data. */
async function scenario(name: string, bigBytes = 4 * MiB, deps: EngineDeps = engineDeps) {
  const w = await makeWorkload({ name, volumes: [{ target: "/data", scope: "stage", source: "data" }] });
  await deployWorkload(deps, testActor, w.id);
  const live = (await getWorkload(deps, testActor, w.id)).volumePreview[0]!.hostPath!;
  await fill(live, "snapshot", bigBytes);
  const label = `${name} good`;
  const snapshot = await createSnapshot(deps, testActor, { workloadId: w.id, label });
  const expected = await hashTree(live);
  await fill(live, "current", bigBytes);
  const current = await hashTree(live);
  return { w, live, label, snapshot, expected, current };
}

/** Berth's staging / backup / undone folders beside the volume, and journals: none may outlive a restore. */
async function leftovers(live: string) {
  const names = (await fs.readdir(path.dirname(live))).filter((n) => n.startsWith(".berth-"));
  names.push(...(await fs.readdir(journalDir(engineDeps.dataDir)).catch(() => [] as string[])));
  return names;
}

/** A snapshot's first volume in hashTree's shape, read with the strict reader. */
async function archiveTree(snapshotId: string): Promise<Record<string, string>> {
  const row = await db.snapshot.findUniqueOrThrow({ where: { id: snapshotId } });
  const out: Record<string, string> = {};
  await readSnapshotArchive(createReadStream(snapshotFilePath(engineDeps.dataDir, row)), {
    async onEntry(entry, body) {
      const hash = createHash("sha256");
      if (body) for await (const chunk of body as AsyncIterable<Buffer>) hash.update(chunk);
      if (entry.volumeIndex !== 0 || entry.relativePath === "") return;
      const mode = (entry.mode & 0o777).toString(8);
      if (entry.kind === "directory") out[`${entry.relativePath}/`] = `dir ${mode}`;
      else if (entry.kind === "file") out[entry.relativePath] = `${mode} ${hash.digest("hex")}`;
      else out[entry.relativePath] = `unexpected ${entry.kind}`;
    },
  });
  return out;
}

interface ContainerEvent {
  action: string;
  /** Docker's own clock, in ms (from timeNano) */
  at: number;
}

/** Docker's die / start events of the workload's containers, as the engine reports them. */
async function watchContainers(workloadId: string) {
  const stream = await docker.getEvents({
    filters: { type: ["container"], event: ["die", "start"], label: [`berth.workload=${workloadId}`] },
  });
  const events: ContainerEvent[] = [];
  let pending = "";
  stream.on("data", (chunk: Buffer) => {
    pending += chunk.toString("utf8");
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines.filter((l) => l.trim())) {
      const e = JSON.parse(line) as { Action: string; timeNano: number };
      events.push({ action: e.Action, at: e.timeNano / 1e6 });
    }
  });
  const watcher = {
    events,
    /** Lets events already sent arrive, then stops listening. */
    async close() {
      openWatchers.delete(watcher);
      await sleep(300);
      (stream as unknown as { destroy(): void }).destroy();
    },
  };
  openWatchers.add(watcher);
  return watcher;
}

/** The workload's progress events with the time each one was seen. */
function watchOperations(workloadId: string) {
  const controller = new AbortController();
  const seen: (OperationEvent & { seenAt: number })[] = [];
  const done = (async () => {
    for await (const e of engineDeps.operations.watch(workloadId, controller.signal)) seen.push({ ...e, seenAt: Date.now() });
  })();
  const watcher = {
    /** The distinct consecutive phases of one operation, from staging on. */
    phases: (operationId: string) => {
      const phases = seen
        .filter((e) => e.operationId === operationId)
        .map((e) => e.phase)
        .filter((p, i, all) => i === 0 || all[i - 1] !== p);
      return phases.slice(phases.indexOf("staging"));
    },
    firstSeen: (operationId: string, phase: string) => seen.find((e) => e.operationId === operationId && e.phase === phase)?.seenAt,
    async close() {
      openWatchers.delete(watcher);
      controller.abort();
      await done;
    },
  };
  openWatchers.add(watcher);
  return watcher;
}

const runsOf = (workloadId: string) => listRestoreRuns(engineDeps, testActor, { workloadId: workloadId });
const stateOf = async (workloadId: string) => (await getWorkload(engineDeps, testActor, workloadId)).status.state;

describe("restore downtime", () => {
  it("stages while the container runs: one die → start in Docker's events, after staging, matching the recorded downtime", async () => {
    const s = await scenario("downtime");
    const containers = await watchContainers(s.w.id);
    const operations = watchOperations(s.w.id);

    const result = await restoreSnapshot(engineDeps, testActor, { workloadId: s.w.id, snapshotId: s.snapshot.id, confirm: s.snapshot.id });
    expect(result).toMatchObject({ restored: ["/data"], untouched: [], undoCopy: "pending", preRestoreSnapshotId: expect.any(String) });
    expect(await stateOf(s.w.id)).toBe("running");
    expect(await hashTree(s.live)).toEqual(s.expected);
    await engineDeps.restores.settled();
    await containers.close();
    await operations.close();

    // (b) exactly one stop and one start of the container
    expect(containers.events.map((e) => e.action)).toEqual(["die", "start"]);
    const [die, start] = containers.events as [ContainerEvent, ContainerEvent];
    // (a) the container ran for the whole staging: it died only once the restore was stopping it
    const stoppingAt = operations.firstSeen(result.restoreRunId, "stopping");
    expect(stoppingAt).toBeDefined();
    expect(die.at).toBeGreaterThanOrEqual(stoppingAt!);
    expect(operations.phases(result.restoreRunId)).toEqual([...ALL_PHASES, "done"]);

    // (c) the recorded downtime is Docker's die → start, within the latency of the API calls
    const [run] = await runsOf(s.w.id);
    expect(run!.id).toBe(result.restoreRunId);
    expect(run!.downtimeMs).toBe(result.downtimeMs);
    expect(run!.upAfterMs).toBe(result.upAfterMs);
    expect(Math.abs(result.downtimeMs! - (start.at - die.at))).toBeLessThanOrEqual(1000);
    const startedAt = run!.startedAt.getTime();
    expect(die.at).toBeGreaterThanOrEqual(startedAt + run!.phases[0]!.ms);

    // (d) the run's phases, and the undo copy saved in the background
    expect(run!.phases.map((p) => p.phase)).toEqual(ALL_PHASES);
    for (const p of run!.phases) expect(p.ms).toBeGreaterThanOrEqual(0);
    expect(run).toMatchObject({
      outcome: "succeeded",
      phase: "done",
      undoCopy: "saved",
      undoOf: null,
      preRestoreSnapshotId: result.preRestoreSnapshotId,
    });
    expect(run!.upAfterMs).toBeGreaterThanOrEqual(run!.downtimeMs!);
    expect(run!.undoCopySavedAt).toBeInstanceOf(Date);
    expect(run!.durationMs).toBeGreaterThanOrEqual(run!.upAfterMs!);
    const pre = await db.snapshot.findUniqueOrThrow({ where: { id: result.preRestoreSnapshotId! } });
    expect(pre).toMatchObject({ kind: "pre-restore", label: `before restoring ${s.label}`, workloadId: s.w.id });
    expect(await archiveTree(pre.id)).toEqual(s.current);
    expect(await leftovers(s.live)).toEqual([]);
  });

  it("a staging failure never stops the workload", async () => {
    const s = await scenario("staging-fails");
    const file = snapshotFilePath(engineDeps.dataDir, { workloadId: s.w.id, fileName: `${s.snapshot.id}.tar.gz` });
    const bytes = await fs.readFile(file);
    bytes[bytes.length - 20]! ^= 0xff;
    await fs.writeFile(file, bytes);
    const startedBefore = (await docker.getContainer(s.w.containerName).inspect()).State.StartedAt;
    const containers = await watchContainers(s.w.id);
    const operations = watchOperations(s.w.id);

    await expect(
      restoreSnapshot(engineDeps, testActor, { workloadId: s.w.id, snapshotId: s.snapshot.id, confirm: s.snapshot.id }),
    ).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: expect.stringMatching(/does not match its recorded checksum/),
    });
    await engineDeps.restores.settled();
    await containers.close();
    await operations.close();

    expect(containers.events).toEqual([]);
    expect((await docker.getContainer(s.w.containerName).inspect()).State.StartedAt).toBe(startedBefore);
    expect(await hashTree(s.live)).toEqual(s.current);
    expect(await leftovers(s.live)).toEqual([]);
    const [run] = await runsOf(s.w.id);
    expect(run).toMatchObject({ outcome: "failed", phase: "done", preRestoreSnapshotId: null, downtimeMs: null });
    expect(run!.phases.map((p) => p.phase)).toEqual(["staging"]);
    expect(operations.phases(run!.id)).not.toContain("stopping");
    expect(await db.snapshot.count({ where: { workloadId: s.w.id, kind: "pre-restore" } })).toBe(0);
  });
});

describe("undo of a restore", () => {
  it("while the undo copy is pending, swaps the old folder back in O(1) and keeps the restored data as the undo's copy", async () => {
    const s = await scenario("swap-undo");
    const inodeBefore = (await fs.stat(s.live)).ino;
    const containers = await watchContainers(s.w.id);
    const result = await restoreSnapshot(engineDeps, testActor, { workloadId: s.w.id, snapshotId: s.snapshot.id, confirm: s.snapshot.id });
    expect((await fs.stat(s.live)).ino).not.toBe(inodeBefore);
    const undo = await undoRestore(engineDeps, testActor, {
      workloadId: s.w.id,
      restoreRunId: result.restoreRunId,
      confirm: result.restoreRunId,
    });

    expect(undo).toMatchObject({ method: "swap", restored: ["/data"], undoCopy: "pending", preRestoreSnapshotId: expect.any(String) });
    // The very folder that was live before the restore, renamed back (a copy would be a new inode).
    expect((await fs.stat(s.live)).ino).toBe(inodeBefore);
    expect(await hashTree(s.live)).toEqual(s.current);
    expect(await stateOf(s.w.id)).toBe("running");

    await engineDeps.restores.settled();
    await containers.close();
    // One stop and start for the restore, one for the undo.
    expect(containers.events.map((e) => e.action)).toEqual(["die", "start", "die", "start"]);
    const runs = await runsOf(s.w.id);
    expect(runs).toHaveLength(2);
    const first = runs.find((r) => r.id === result.restoreRunId)!;
    const undoRun = runs.find((r) => r.undoOf === result.restoreRunId)!;
    expect(undoRun).toMatchObject({
      id: undo.restoreRunId,
      outcome: "succeeded",
      undoCopy: "saved",
      phase: "done",
      preRestoreSnapshotId: undo.preRestoreSnapshotId,
    });
    expect(undoRun.phases.map((p) => p.phase)).toEqual(ALL_PHASES.slice(1));
    expect(undoRun.downtimeMs).toBe(undo.downtimeMs);
    expect(first).toMatchObject({ outcome: "succeeded", undoCopy: "undone" });
    // The first run's undo copy was never written: the undo's copy holds the restored data instead.
    expect(await db.snapshot.count({ where: { id: first.preRestoreSnapshotId ?? "" } })).toBe(0);
    const pre = await db.snapshot.findUniqueOrThrow({ where: { id: undo.preRestoreSnapshotId! } });
    expect(pre).toMatchObject({ kind: "pre-restore", label: `before undoing ${s.label}` });
    expect(await archiveTree(pre.id)).toEqual(s.expected);
    expect((await fs.stat(s.live)).ino).toBe(inodeBefore);
    expect(await hashTree(s.live)).toEqual(s.current);
    expect(await leftovers(s.live)).toEqual([]);
    expect(await stateOf(s.w.id)).toBe("running");
  });

  it("once the undo copy is saved, restores it instead; only the latest run can be undone", async () => {
    const s = await scenario("snapshot-undo");
    const result = await restoreSnapshot(engineDeps, testActor, { workloadId: s.w.id, snapshotId: s.snapshot.id, confirm: s.snapshot.id });
    await engineDeps.restores.settled();
    expect((await runsOf(s.w.id))[0]).toMatchObject({ undoCopy: "saved" });

    const undo = await undoRestore(engineDeps, testActor, {
      workloadId: s.w.id,
      restoreRunId: result.restoreRunId,
      confirm: result.restoreRunId,
    });
    expect(undo.method).toBe("snapshot");
    expect(await hashTree(s.live)).toEqual(s.current);
    expect(await stateOf(s.w.id)).toBe("running");
    await engineDeps.restores.settled();
    const pre = await db.snapshot.findUniqueOrThrow({ where: { id: undo.preRestoreSnapshotId! } });
    expect(pre.label).toBe(`before undoing ${s.label}`);
    expect(await archiveTree(pre.id)).toEqual(s.expected);

    await expect(
      undoRestore(engineDeps, testActor, { workloadId: s.w.id, restoreRunId: result.restoreRunId, confirm: result.restoreRunId }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(/latest/),
    });
    expect(await hashTree(s.live)).toEqual(s.current);
    expect(await leftovers(s.live)).toEqual([]);
  });
});

describe("pre-restore snapshots", () => {
  it("keeps the newest BERTH_PRE_RESTORE_KEEP and every pinned one; labels never nest", async () => {
    const deps: EngineDeps = { ...engineDeps, preRestoreKeep: 2 };
    const s = await scenario("retention", 64 * 1024, deps);
    const restore = async (snapshotId: string) => {
      const r = await restoreSnapshot(deps, testActor, { workloadId: s.w.id, snapshotId, confirm: snapshotId });
      await engineDeps.restores.settled();
      return r.preRestoreSnapshotId!;
    };
    const pre1 = await restore(s.snapshot.id);
    await pinSnapshot(engineDeps, testActor, { id: pre1, pinned: true });
    const pre2 = await restore(s.snapshot.id);
    const pre3 = await restore(s.snapshot.id);
    // Restoring an undo copy (how the UI undoes), twice: "before undoing", never nested.
    const pre4 = await restore(pre3);
    const pre5 = await restore(pre4);

    const kept = await db.snapshot.findMany({ where: { workloadId: s.w.id, kind: "pre-restore" }, orderBy: { createdAt: "asc" } });
    expect(kept.map((k) => k.id)).toEqual([pre1, pre4, pre5]);
    expect(kept.map((k) => [k.label, k.pinned])).toEqual([
      [`before restoring ${s.label}`, true],
      [`before undoing ${s.label}`, false],
      [`before undoing ${s.label}`, false],
    ]);
    for (const gone of [pre2, pre3]) {
      await expect(fs.stat(snapshotFilePath(engineDeps.dataDir, { workloadId: s.w.id, fileName: `${gone}.tar.gz` }))).rejects.toMatchObject(
        { code: "ENOENT" },
      );
    }
    expect(await db.snapshot.count({ where: { workloadId: s.w.id, kind: "manual" } })).toBe(1);
    expect(await leftovers(s.live)).toEqual([]);
  });
});

describe("while the undo copy is being saved", () => {
  const pendingJournal = async (restoreId: string) => {
    const journal = (await listJournals(engineDeps.dataDir)).find((j) => j.intent?.restoreId === restoreId);
    return journal ? journalState(journal.records) : null;
  };

  it("deploy, stop and start of the workload are not refused, right after the restore returns", async () => {
    const s = await scenario("busy-background");
    const result = await restoreSnapshot(engineDeps, testActor, { workloadId: s.w.id, snapshotId: s.snapshot.id, confirm: s.snapshot.id });
    expect(await pendingJournal(result.restoreRunId)).toMatchObject({ up: true, archived: false });
    // Issued at once: the background has hardly begun when the deploy checks for pending restores.
    await deployWorkload(engineDeps, testActor, s.w.id);
    await stopWorkload(engineDeps, testActor, s.w.id);
    await startWorkload(engineDeps, testActor, s.w.id);
    expect(await stateOf(s.w.id)).toBe("running");

    await engineDeps.restores.settled();
    expect(await pendingJournal(result.restoreRunId)).toBeNull();
    expect((await runsOf(s.w.id))[0]).toMatchObject({ outcome: "succeeded", undoCopy: "saved", phase: "done" });
    expect(await hashTree(s.live)).toEqual(s.expected);
    expect(await leftovers(s.live)).toEqual([]);
  });

  it("with the undo copy stuck half written (its process killed), deploy, stop and start still work; the copy is finished later", async () => {
    // Deterministic, unlike a race with this process's own background: the journal says UP
    // and nothing is saving the copy until it is resumed.
    const s = await scenario("stuck-background");
    const killed = child(["restore", s.w.id, s.snapshot.id], "undo-copy-during-archive");
    expect(killed.signal, killed.stderr).toBe("SIGKILL");
    const [run] = await runsOf(s.w.id);
    expect(run).toMatchObject({ outcome: "succeeded", undoCopy: "pending" });
    expect(await pendingJournal(run!.id)).toMatchObject({ up: true, archived: false });
    expect(await stateOf(s.w.id)).toBe("running");

    await deployWorkload(engineDeps, testActor, s.w.id);
    await stopWorkload(engineDeps, testActor, s.w.id);
    expect(await stateOf(s.w.id)).toBe("exited");
    await startWorkload(engineDeps, testActor, s.w.id);
    expect(await stateOf(s.w.id)).toBe("running");
    expect(await pendingJournal(run!.id)).toMatchObject({ up: true, archived: false });

    await resumeUndoCopies(engineDeps);
    await engineDeps.restores.settled();
    expect(await pendingJournal(run!.id)).toBeNull();
    expect((await runsOf(s.w.id))[0]).toMatchObject({ outcome: "succeeded", undoCopy: "saved", phase: "done" });
    expect(await archiveTree(run!.preRestoreSnapshotId!)).toEqual(s.current);
    expect((await fs.readdir(snapshotDir(engineDeps.dataDir, s.w.id))).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    expect(await hashTree(s.live)).toEqual(s.expected);
    expect(await leftovers(s.live)).toEqual([]);
  });
});
