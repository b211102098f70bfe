// Issue #11, item 2: a restore stops every workload that mounts a folder it replaces, under
// all their locks, and brings each back; nothing a sibling writes after the stop is lost.
import fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { createDockerClient } from "~/server/docker/client";
import { db } from "~/server/db";
import { engineDeps } from "~/server/engine-deps";
import { restoreSnapshot } from "~/server/engine/restore/restore";
import { createSnapshot } from "~/server/engine/snapshots/capture";
import { describeSnapshotCoverage } from "~/server/engine/snapshots/coverage";
import { snapshotFilePath } from "~/server/engine/snapshots/snapshot-store";
import { readSnapshotArchive } from "~/server/engine/archive/strict-reader";
import {
  createWorkload,
  deployWorkload,
  folderLockKey,
  getWorkload,
  startWorkload,
  stopWorkload,
} from "~/server/engine/workloads/workloads";
import { createReadStream } from "node:fs";
import { removeWorkloadContainersAfterAll } from "../support/container-cleanup";
import { longRunning, makeStage, testActor } from "../support/workload-fixtures";
import { restoreChild } from "../support/restore-child-process";

removeWorkloadContainersAfterAll();

const child = restoreChild;
const docker = createDockerClient(inject("dockerHost"));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Lines 0..n-1 of a writer's log, each once and in order: nothing lost or mixed. */
function expectSequence(text: string): number {
  const lines = text.split("\n").filter(Boolean);
  for (const [i, line] of lines.entries()) expect(line).toBe(String(i));
  return lines.length;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function fileInSnapshot(snapshotId: string, name: string): Promise<string> {
  const row = await db.snapshot.findUniqueOrThrow({ where: { id: snapshotId } });
  let content = "";
  await readSnapshotArchive(createReadStream(snapshotFilePath(engineDeps.dataDir, row)), {
    async onEntry(entry, body) {
      const chunks: Buffer[] = [];
      if (body) for await (const c of body as AsyncIterable<Buffer>) chunks.push(c);
      if (entry.relativePath === name) content = Buffer.concat(chunks).toString("utf8");
    },
  });
  return content;
}

/** Two running workloads on one project volume, and a snapshot taken through the first. */
async function sharedPair() {
  const { project, stage } = await makeStage();
  const base = {
    projectId: project.id,
    stageId: stage.id,
    image: inject("testImage"),
    command: longRunning("true"),
    env: [],
    ports: [],
    restartPolicy: "no" as const,
    labels: {},
  };
  const volumes = [{ target: "/data", scope: "project" as const, source: "shared" }];
  const a = await createWorkload(engineDeps, testActor, { ...base, name: "a", volumes });
  const b = await createWorkload(engineDeps, testActor, { ...base, name: "b", volumes });
  for (const w of [a, b]) await deployWorkload(engineDeps, testActor, w.id);
  const snapshot = await createSnapshot(engineDeps, testActor, { workloadId: a.id });
  return { a, b, snapshot };
}

describe("restore of a folder two workloads share", () => {
  it("stops the sibling too, loses none of its writes, and brings it back on the restored folder", async () => {
    const { project, stage } = await makeStage();
    const base = {
      projectId: project.id,
      stageId: stage.id,
      image: inject("testImage"),
      env: [],
      ports: [],
      restartPolicy: "no" as const,
      labels: {},
    };
    const volumes = [{ target: "/data", scope: "project" as const, source: "shared" }];
    const a = await createWorkload(engineDeps, testActor, { ...base, name: "a", command: longRunning("true"), volumes });
    // b appends a counter to its own log, flushed line by line, for as long as it runs.
    const writer = "i=0; while true; do echo $i >> /data/b-$HOSTNAME.log; i=$((i+1)); sleep 0.02; done";
    const b = await createWorkload(engineDeps, testActor, {
      ...base,
      name: "b",
      command: ["sh", "-c", `trap 'exit 0' TERM; ${writer} & wait`],
      volumes,
    });
    // c shares nothing and is not disturbed.
    const c = await createWorkload(engineDeps, testActor, {
      ...base,
      name: "c",
      command: longRunning("true"),
      volumes: [{ target: "/data", scope: "project", source: "other" }],
    });
    for (const w of [a, b, c]) await deployWorkload(engineDeps, testActor, w.id);
    const live = path.join(engineDeps.dataDir, "volumes/projects", project.slug, "shared/shared");
    await fs.writeFile(path.join(live, "state.txt"), "snapshot\n");

    const coverage = await describeSnapshotCoverage(engineDeps, testActor, a.id);
    expect(coverage.sharedWith).toEqual([{ id: b.id, name: `${project.slug}/${stage.slug}/b` }]);

    const snapshot = await createSnapshot(engineDeps, testActor, { workloadId: a.id, label: "good" });
    await fs.writeFile(path.join(live, "state.txt"), "current\n");
    const bHost = (await docker.getContainer(b.containerName).inspect()).Config.Hostname;
    const bLog = `b-${bHost}.log`;
    await waitFor("b to write", async () =>
      (await fs.readFile(path.join(live, bLog), "utf8").catch(() => "")).split("\n").length > 20 ? true : undefined,
    );
    const cStarted = (await docker.getContainer(c.containerName).inspect()).State.StartedAt;

    const result = await restoreSnapshot(engineDeps, testActor, { workloadId: a.id, snapshotId: snapshot.id, confirm: snapshot.id });
    await engineDeps.restores.settled();

    expect(await fs.readFile(path.join(live, "state.txt"), "utf8")).toBe("snapshot\n");
    // Everything b wrote up to its stop is in the pre-restore snapshot, in order and complete.
    expect(result.preRestoreSnapshotId).toBeTruthy();
    const before = await fileInSnapshot(result.preRestoreSnapshotId!, bLog);
    expect(expectSequence(before)).toBeGreaterThan(20);
    // b is running again, on the restored folder: what it writes now lands in the live data.
    for (const w of [a, b]) expect((await getWorkload(engineDeps, testActor, w.id)).status.state).toBe("running");
    const linesInLive = async () => {
      let n = 0;
      for (const f of (await fs.readdir(live)).filter((f) => f.startsWith("b-")))
        n += (await fs.readFile(path.join(live, f), "utf8")).split("\n").filter(Boolean).length;
      return n;
    };
    const atRestore = await linesInLive();
    await waitFor("b to write into the restored folder", async () => ((await linesInLive()) > atRestore + 10 ? true : undefined));
    const bHostNow = (await docker.getContainer(b.containerName).inspect()).Config.Hostname;
    expectSequence(await fs.readFile(path.join(live, `b-${bHostNow}.log`), "utf8"));
    // c shares nothing: it was never stopped.
    expect((await docker.getContainer(c.containerName).inspect()).State.StartedAt).toBe(cStarted);
  });

  it("leaves a sibling that was stopped on purpose stopped", async () => {
    const { a, b, snapshot } = await sharedPair();
    await stopWorkload(engineDeps, testActor, b.id);
    await restoreSnapshot(engineDeps, testActor, { workloadId: a.id, snapshotId: snapshot.id, confirm: snapshot.id });
    await engineDeps.restores.settled();
    expect((await getWorkload(engineDeps, testActor, a.id)).status.state).toBe("running");
    expect((await getWorkload(engineDeps, testActor, b.id)).status.state).toBe("exited");
  });

  it.each(["after-stop", "after-intent", "swap-0-after-backup", "after-commit"])(
    "killed at %s: recovery brings the sibling back too",
    async (point) => {
      const { a, b, snapshot } = await sharedPair();
      const killed = child(["restore", a.id, snapshot.id], point);
      expect(killed.signal).toBe("SIGKILL");
      expect((await getWorkload(engineDeps, testActor, b.id)).status.state).toBe("exited");
      const recovered = child(["recover"]);
      expect(recovered.status, recovered.stderr).toBe(0);
      for (const w of [a, b]) expect((await getWorkload(engineDeps, testActor, w.id)).status.state).toBe("running");
    },
  );

  it("a restore cut short blocks deploy and start of the workloads it stopped until recovery has run", async () => {
    const { a, b, snapshot } = await sharedPair();
    expect(child(["restore", a.id, snapshot.id], "swap-0-after-backup").signal).toBe("SIGKILL");
    for (const w of [a, b]) {
      await expect(deployWorkload(engineDeps, testActor, w.id)).rejects.toThrow(
        /did not finish; restart the server or run `berth recover`/,
      );
      await expect(startWorkload(engineDeps, testActor, w.id)).rejects.toThrow(/did not finish/);
    }
    expect(child(["recover"]).status).toBe(0);
    await stopWorkload(engineDeps, testActor, b.id);
    await startWorkload(engineDeps, testActor, b.id);
    expect((await getWorkload(engineDeps, testActor, b.id)).status.state).toBe("running");
  });

  it("a workload that starts sharing the folder while a restore holds it is refused, not silently written into the backup", async () => {
    const { a, snapshot } = await sharedPair();
    const live = (await getWorkload(engineDeps, testActor, a.id)).volumePreview[0]!.hostPath!;
    const project = await db.project.findFirstOrThrow({ where: { workloads: { some: { id: a.id } } }, include: { stages: true } });
    const late = await createWorkload(engineDeps, testActor, {
      projectId: project.id,
      stageId: project.stages[0]!.id,
      name: "late",
      image: inject("testImage"),
      command: longRunning("true"),
      env: [],
      ports: [],
      restartPolicy: "no",
      labels: {},
      volumes: [{ target: "/data", scope: "project", source: "shared" }],
    });
    // The restore's folder key, held as restoreSnapshot holds it while it stages and swaps.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const restoreLike = engineDeps.locks.runAll([folderLockKey(live)], () => held);
    await expect(deployWorkload(engineDeps, testActor, late.id)).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(/a restore of its folder is running/),
    });
    release();
    await restoreLike;
    await restoreSnapshot(engineDeps, testActor, { workloadId: a.id, snapshotId: snapshot.id, confirm: snapshot.id });
    await engineDeps.restores.settled();
    await deployWorkload(engineDeps, testActor, late.id);
    expect((await getWorkload(engineDeps, testActor, late.id)).status.state).toBe("running");
  });
});
