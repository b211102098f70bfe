// The crash points of off-host copies, fetches and test restores (issue #16), each hit by a real
// SIGKILL of a process doing the work (test/support/off-host-child.ts), then what the next start
// does about it: a copy cut mid-transfer resumes from the bytes on the target, a copy cut after
// its commit is redone to a verified copy, a fetch cut mid-download leaves only a `.tmp` that the
// boot sweep removes, a test restore cut during its check leaves a container and a folder that
// recovery removes. Copies go to a real sshd (test/support/sftp-server.ts) and to a local folder;
// test restores run on the private Docker engine with busybox.
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Snapshot } from "~/generated/prisma/client";
import { createDockerClient } from "~/server/docker/client";
import { engineDeps as deps } from "~/server/engine-deps";
import { SANDBOX_LABEL } from "~/server/engine/container-runtime";
import type { OperationEvent } from "~/server/engine/operations";
import { createSnapshot } from "~/server/engine/snapshots/capture";
import { snapshotFilePath } from "~/server/engine/snapshots/snapshot-store";
import { sweepSnapshotFiles } from "~/server/engine/snapshots/sweep";
import { copySnapshotNow, recoverInterruptedCopies, runCopy } from "~/server/engine/storage/copy-run";
import { fetchCopy } from "~/server/engine/storage/fetch-copy";
import { createStorageTarget } from "~/server/engine/storage/storage-targets";
import { recoverTestRestores, sandboxesRoot } from "~/server/engine/verify/test-restore";
import { deployWorkload, getWorkload } from "~/server/engine/workloads/workloads";
import { decodeReason } from "~/shared/encoded-reason";
import { removeWorkloadContainersAfterAll } from "../support/container-cleanup";
import { hashTree } from "../support/hash-tree";
import { type ChildEnd, offHostChild } from "../support/off-host-child-process";
import { startSftpServer, type SftpServer } from "../support/sftp-server";
import { makeWorkload, testActor } from "../support/workload-fixtures";

/** The files a copy wrote in a target folder (a local target also holds its marker, `.berth-storage-target`). */
const berthFiles = async (folder: string) => (await fsp.readdir(folder)).filter((f) => !f.startsWith("."));

// Random bytes: gzip leaves the archive this big, so a kill after KILL_AFTER bytes is far from its end.
const DATA_BYTES = 24 * 1024 * 1024;
const KILL_AFTER = 4 * 1024 * 1024;
// Generous bounds for waits on a busy machine: they end as soon as the condition holds.
const WAIT = { timeout: 60_000, interval: 50 };
const KINDS = ["sftp", "local"] as const;
type Kind = (typeof KINDS)[number];

const docker = createDockerClient(inject("dockerHost"));
let server: SftpServer;
const localFolders: string[] = [];
let counter = 0;

removeWorkloadContainersAfterAll();
beforeAll(async () => {
  server = await startSftpServer();
});
afterAll(async () => {
  for (const c of await sandboxContainers()) await docker.getContainer(c.Id).remove({ force: true });
  await server?.stop();
  for (const folder of localFolders) await fsp.rm(folder, { recursive: true, force: true });
});

const sandboxContainers = () => docker.listContainers({ all: true, filters: { label: [SANDBOX_LABEL] } });
const sha256 = async (file: string) =>
  createHash("sha256")
    .update(await fsp.readFile(file))
    .digest("hex");
const exists = (file: string) =>
  fsp.lstat(file).then(
    () => true,
    () => false,
  );
const copyRow = (id: string) => deps.db.snapshotCopy.findUniqueOrThrow({ where: { id } });

/** A target of the kind in a folder of its own; `folder` is where its files are on this host. */
async function makeTarget(kind: Kind) {
  const name = `${kind} ${++counter}`;
  if (kind === "local") {
    const folder = await fsp.mkdtemp(path.join(os.tmpdir(), "berth-crash-target-"));
    localFolders.push(folder);
    return { target: await createStorageTarget(deps, testActor, { kind: "local", name, folder }), folder };
  }
  const folder = path.join(server.folder, `t${counter}`);
  await fsp.mkdir(folder);
  const target = await createStorageTarget(deps, testActor, {
    kind: "sftp",
    name,
    host: server.host,
    port: server.port,
    username: server.username,
    folder,
    privateKey: server.privateKey,
  });
  return { target, folder };
}

/** A snapshot of a workload whose one volume holds DATA_BYTES random bytes. */
async function bigSnapshot(): Promise<Snapshot> {
  const w = await makeWorkload({ name: `crash${++counter}`, volumes: [{ target: "/data", scope: "stage", source: "data" }] });
  const hostPath = w.volumePreview[0]!.hostPath!;
  await fsp.mkdir(hostPath, { recursive: true });
  await fsp.writeFile(path.join(hostPath, "data.bin"), randomBytes(DATA_BYTES));
  const view = await createSnapshot(deps, testActor, { workloadId: w.id });
  return deps.db.snapshot.findUniqueOrThrow({ where: { id: view.id } });
}

/** The queued copy of `snapshot` to `targetId`. */
async function queuedCopy(snapshot: Snapshot, targetId: string) {
  await copySnapshotNow(deps, testActor, { id: snapshot.id, targetId });
  const copy = await deps.db.snapshotCopy.findUniqueOrThrow({ where: { snapshotId_targetId: { snapshotId: snapshot.id, targetId } } });
  expect(copy).toMatchObject({ state: "queued", attempts: 0 });
  return copy;
}

/** The child died of its own SIGKILL at `point`, not of anything else. */
function expectKilledAt(end: ChildEnd, point: string) {
  expect({ signal: end.signal, stderr: end.stderr }).toMatchObject({ signal: "SIGKILL", stderr: `off-host-child: killed at ${point}\n` });
}

/** The processes sshd forked for connections (each session's sshd and sftp-server). */
function sshdSessions(): number[] {
  const dir = `/proc/${server.pid}/task`;
  return fs
    .readdirSync(dir)
    .flatMap((task) =>
      fs
        .readFileSync(path.join(dir, task, "children"), "utf8")
        .trim()
        .split(/\s+/),
    )
    .filter(Boolean)
    .map(Number);
}

/**
 * After a client died, the target's files settle: on the sshd, its session writes what had
 * reached it and ends by itself (a local folder was written by the dead process alone).
 */
async function targetSettled(kind: Kind) {
  if (kind === "sftp") await expect.poll(sshdSessions, WAIT).toEqual([]);
}

/** Runs `work` and returns the events of operation `operationId` until it was done. */
async function eventsOf(workloadId: string, operationId: string, work: () => Promise<unknown>): Promise<OperationEvent[]> {
  const events: OperationEvent[] = [];
  const watching = (async () => {
    for await (const e of deps.operations.watch(workloadId, AbortSignal.timeout(120_000))) {
      if (e.operationId !== operationId) continue;
      events.push(e);
      if (e.done) return;
    }
  })();
  await work();
  await watching;
  return events;
}

describe("a copy killed mid-transfer", () => {
  for (const kind of KINDS) {
    it(`(${kind}) is copying until the next start queues it again; the next try resumes from the partial file and ends verified`, async () => {
      const { target, folder } = await makeTarget(kind);
      const snapshot = await bigSnapshot();
      const copy = await queuedCopy(snapshot, target.id);
      const point = `copy:copying:${KILL_AFTER}`;
      const partialFile = path.join(folder, `${snapshot.id}.tar.gz.partial`);
      const finalFile = path.join(folder, `${snapshot.id}.tar.gz`);

      expectKilledAt(await offHostChild(["copy", copy.id], { killAt: point }), point);
      await targetSettled(kind);
      expect(await copyRow(copy.id)).toMatchObject({ state: "copying", attempts: 1, copiedAt: null, verifiedAt: null });
      const partial = (await fsp.stat(partialFile)).size;
      expect(partial).toBeGreaterThanOrEqual(KILL_AFTER);
      expect(partial).toBeLessThan(Number(snapshot.size));
      expect(await exists(finalFile)).toBe(false);

      // The next start.
      expect(await recoverInterruptedCopies(deps)).toBe(1);
      expect(await copyRow(copy.id)).toMatchObject({ state: "queued", attempts: 1 });

      const events = await eventsOf(snapshot.workloadId, copy.id, () => runCopy(deps, copy.id));
      // It went on from the bytes the killed try left on the target, not from zero.
      expect(events.find((e) => e.phase === "copying")?.bytesDone).toBe(partial);
      expect(events.at(-1)).toMatchObject({ phase: "done", done: true });
      expect(await copyRow(copy.id)).toMatchObject({ state: "verified", attempts: 2, detail: null, bytesDone: snapshot.size });
      expect(await sha256(finalFile)).toBe(snapshot.sha256);
      expect((await berthFiles(folder)).sort()).toEqual([`${snapshot.id}.json`, `${snapshot.id}.tar.gz`]);
    });
  }
});

describe("a copy killed after its commit, before the row says verified", () => {
  for (const kind of KINDS) {
    it(`(${kind}) leaves the committed file and a copying row; the next start's try ends verified with the file intact`, async () => {
      const { target, folder } = await makeTarget(kind);
      const snapshot = await bigSnapshot();
      const copy = await queuedCopy(snapshot, target.id);
      const finalFile = path.join(folder, `${snapshot.id}.tar.gz`);

      // The re-read of the committed file has begun: the commit is done, `verified` not yet written.
      expectKilledAt(await offHostChild(["copy", copy.id], { killAt: "copy:verifying" }), "copy:verifying");
      await targetSettled(kind);
      expect(await copyRow(copy.id)).toMatchObject({ state: "copying", attempts: 1, verifiedAt: null });
      expect(await sha256(finalFile)).toBe(snapshot.sha256);
      // No partial file, and no description yet: the kill came between the commit and the end.
      expect(await berthFiles(folder)).toEqual([`${snapshot.id}.tar.gz`]);

      expect(await recoverInterruptedCopies(deps)).toBe(1);
      expect(await copyRow(copy.id)).toMatchObject({ state: "queued" });
      await runCopy(deps, copy.id);
      expect(await copyRow(copy.id)).toMatchObject({ state: "verified", attempts: 2, detail: null });
      expect(await sha256(finalFile)).toBe(snapshot.sha256);
      expect((await berthFiles(folder)).sort()).toEqual([`${snapshot.id}.json`, `${snapshot.id}.tar.gz`]);
    });
  }
});

describe("a fetch killed mid-download", () => {
  for (const kind of KINDS) {
    it(`(${kind}) changes no row and leaves a .tmp that the boot sweep removes; the fetch run again succeeds`, async () => {
      const { target } = await makeTarget(kind);
      const snapshot = await bigSnapshot();
      const copy = await queuedCopy(snapshot, target.id);
      await runCopy(deps, copy.id);
      expect(await copyRow(copy.id)).toMatchObject({ state: "verified" });
      const local = snapshotFilePath(deps.dataDir, snapshot);
      await fsp.rm(local);
      const rowsBefore = {
        snapshot: await deps.db.snapshot.findUniqueOrThrow({ where: { id: snapshot.id } }),
        copy: await copyRow(copy.id),
      };
      const point = `fetch:downloading:${KILL_AFTER}`;

      expectKilledAt(await offHostChild(["fetch", copy.id], { killAt: point }), point);
      await targetSettled(kind);
      expect({ snapshot: await deps.db.snapshot.findUniqueOrThrow({ where: { id: snapshot.id } }), copy: await copyRow(copy.id) }).toEqual(
        rowsBefore,
      );
      // Not even its audit event: the process died inside the work.
      expect(await deps.db.auditEvent.count({ where: { action: "snapshot.fetchCopy", target: snapshot.id } })).toBe(0);
      expect(await exists(local)).toBe(false);
      const tmp = (await fsp.stat(`${local}.tmp`)).size;
      expect(tmp).toBeGreaterThan(0);
      expect(tmp).toBeLessThan(Number(snapshot.size));

      // The next start's sweep: the unfinished download goes, the row says its file is missing.
      const swept = await sweepSnapshotFiles(deps);
      expect(swept.removedTmp).toEqual([`${snapshot.workloadId}/${snapshot.id}.tar.gz.tmp`]);
      expect(swept.markedMissing).toContain(snapshot.id);
      expect(await exists(`${local}.tmp`)).toBe(false);

      await fetchCopy(deps, testActor, { copyId: copy.id });
      expect(await sha256(local)).toBe(snapshot.sha256);
      expect(await deps.db.snapshot.findUniqueOrThrow({ where: { id: snapshot.id } })).toMatchObject({
        fileMissing: false,
        verifyOutcome: "passed",
      });
      expect(await copyRow(copy.id)).toMatchObject({ state: "verified" });
      expect(await fsp.readdir(path.dirname(local))).toEqual([path.basename(local)]);
    });
  }
});

describe("a test restore killed while its check runs", () => {
  it("leaves its labelled container and sandbox folder; recovery removes both and marks it interrupted; the live volume is untouched", async () => {
    const w = await makeWorkload({ name: "sandboxed", volumes: [{ target: "/data", scope: "stage", source: "data" }] });
    await deployWorkload(deps, testActor, w.id);
    const live = w.volumePreview[0]!.hostPath!;
    await fsp.writeFile(path.join(live, "app.db"), "snapshot rows\n");
    const snapshot = await createSnapshot(deps, testActor, { workloadId: w.id });
    await fsp.writeFile(path.join(live, "app.db"), "live rows\n");
    const liveTree = await hashTree(live);

    // Seen from outside: the sandbox container runs the check command.
    const checkRuns = async () => {
      for (const c of await sandboxContainers()) {
        if (c.State !== "running") continue;
        const top = await docker.getContainer(c.Id).top();
        if (top.Processes.some((p: string[]) => p.join(" ").includes("sleep 30"))) return true;
      }
      return false;
    };
    const end = await offHostChild(["test-restore", snapshot.id, "sleep 30"], { killWhen: checkRuns });
    expect({ killedByParent: end.killedByParent, signal: end.signal }).toEqual({ killedByParent: true, signal: "SIGKILL" });

    const row = await deps.db.testRestore.findFirstOrThrow({ where: { snapshotId: snapshot.id } });
    expect(row).toMatchObject({ outcome: null, finishedAt: null });
    const containers = await sandboxContainers();
    expect(containers.map((c) => c.Labels[SANDBOX_LABEL])).toEqual([row.id]);
    const sandbox = path.join(sandboxesRoot(deps.dataDir), row.id);
    expect(await fsp.readdir(sandboxesRoot(deps.dataDir))).toEqual([row.id]);
    // What the check was looking at: the snapshot's data, restored beside the live volume.
    expect(await fsp.readFile(path.join(sandbox, "0", "app.db"), "utf8")).toBe("snapshot rows\n");

    // The next start.
    expect(await recoverTestRestores(deps)).toEqual({ interrupted: 1, containers: 1, folders: 1 });
    const after = await deps.db.testRestore.findUniqueOrThrow({ where: { id: row.id } });
    expect(after.outcome).toBe("interrupted");
    expect(after.finishedAt).not.toBeNull();
    expect(decodeReason(after.detail ?? "")?.reason).toBe("test-restore-interrupted");
    expect(await sandboxContainers()).toEqual([]);
    expect(await fsp.readdir(sandboxesRoot(deps.dataDir))).toEqual([]);
    expect(await hashTree(live)).toEqual(liveTree);
    expect((await getWorkload(deps, testActor, w.id)).status.state).toBe("running");
  });
});
