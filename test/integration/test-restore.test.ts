// Test restores (issue #16, item 4) on the private Docker engine: a snapshot is extracted into
// a sandbox folder and a throwaway container of the workload's image runs on it, with no
// network and no published ports; an optional check command decides. The live volume and the
// live container are never touched, and nothing of the sandbox is left afterwards: no labelled
// container, no folder. Failures are rows (and webhook alerts), not thrown errors. Busybox
// for the rules, the PostgreSQL image (test/support/app-images.ts) once for a real server.
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createDockerClient } from "~/server/docker/client";
import { createDockerRuntime, SANDBOX_MEMORY_BYTES, SANDBOX_PIDS_LIMIT } from "~/server/docker/container-runtime";
import { db } from "~/server/db";
import { engineDeps } from "~/server/engine-deps";
import { createAlertTarget } from "~/server/engine/alerts/alert-targets";
import { OWNER_LABEL, SANDBOX_LABEL, type ContainerRuntime, type SandboxSpec } from "~/server/engine/container-runtime";
import type { EngineDeps } from "~/server/engine/deps";
import { createSnapshot } from "~/server/engine/snapshots/capture";
import { snapshotFilePath, type SnapshotView } from "~/server/engine/snapshots/snapshot-store";
import {
  listTestRestores,
  recoverTestRestores,
  sandboxesRoot,
  sandboxName,
  testRestore,
  type TestRestoreView,
} from "~/server/engine/verify/test-restore";
import { deployWorkload, getWorkload } from "~/server/engine/workloads/workloads";
import { decodeReason } from "~/shared/encoded-reason";
import { SECRET_MASK } from "~/shared/secret-mask";
import { appImage } from "../support/app-images";
import { removeWorkloadContainersAfterAll } from "../support/container-cleanup";
import { hashTree } from "../support/hash-tree";
import { startWebhookReceiver } from "../support/webhook-receiver";
import { longRunning, makeWorkload, testActor } from "../support/workload-fixtures";
import { PG_BIN, PGDATA, postgresCommand } from "../support/postgres";

const run = promisify(execFile);
const docker = createDockerClient(inject("dockerHost"));
const volumeDir = (project: string, source: string) =>
  path.join(engineDeps.dataDir, "volumes/projects", project, "stages/production", source);
// Generous bounds for waits on a busy machine: they end as soon as the condition holds.
const WAIT = { timeout: 60_000, interval: 100 };

removeWorkloadContainersAfterAll();
afterAll(async () => {
  for (const c of await sandboxContainers()) await docker.getContainer(c.Id).remove({ force: true });
});

const sandboxContainers = () => docker.listContainers({ all: true, filters: { label: [SANDBOX_LABEL] } });
const sandboxFolders = () => fs.readdir(sandboxesRoot(engineDeps.dataDir)).catch(() => [] as string[]);

/** A running busybox workload whose /data holds app.db; its snapshot; then the live file changes. */
async function scenario(name: string, settings: Parameters<typeof makeWorkload>[0] = {}) {
  const w = await makeWorkload({ name, volumes: [{ target: "/data", scope: "stage", source: "data" }], ...settings });
  await deployWorkload(engineDeps, testActor, w.id);
  const live = volumeDir(w.projectSlug, "data");
  await fs.writeFile(path.join(live, "app.db"), "snapshot rows\n");
  const snapshot = await createSnapshot(engineDeps, testActor, { workloadId: w.id, label: name });
  await fs.writeFile(path.join(live, "app.db"), "live rows\n");
  return { w, live, snapshot, liveTree: await hashTree(live) };
}
type Scenario = Awaited<ReturnType<typeof scenario>>;

/** Nothing of the sandbox is left, and the live side is as it was. */
async function expectNothingLeft(s: Scenario) {
  expect(await sandboxContainers()).toEqual([]);
  expect(await sandboxFolders()).toEqual([]);
  expect(await hashTree(s.live)).toEqual(s.liveTree);
  expect((await getWorkload(engineDeps, testActor, s.w.id)).status.state).toBe("running");
}

/**
 * Starts a test restore whose check passes only once /data/release exists, and waits until
 * its container runs: the test looks at it, then lets it pass by creating the file.
 */
async function gatedTestRestore(s: Scenario, check = "true", deps: EngineDeps = engineDeps) {
  const done = testRestore(deps, testActor, { id: s.snapshot.id, command: `test -f /data/release && ${check}` });
  done.catch(() => undefined); // awaited below; a rejection must not surface as unhandled meanwhile
  await expect.poll(async () => (await sandboxContainers()).filter((c) => c.State === "running").length, WAIT).toBe(1);
  const [info] = await sandboxContainers();
  const details = await docker.getContainer(info!.Id).inspect();
  const release = async () => {
    const source = details.Mounts.find((m) => m.Destination === "/data")!.Source;
    await fs.writeFile(path.join(source, "release"), "");
    return done;
  };
  return { details, testRestoreId: info!.Labels[SANDBOX_LABEL]!, release };
}

describe("test restore", () => {
  it("passes a check that reads the snapshot's data, in a container with no network, no ports and only the snapshot's volumes", async () => {
    const s = await scenario("happy", {
      env: [{ key: "GREETING", value: "from-config", secret: true }],
      volumes: [
        { target: "/data", scope: "stage", source: "data" },
        { target: "/cache", scope: "named", source: `berth-test-tr-${process.pid}` },
      ],
    });
    // A port in the workload's config (not deployed): the sandbox must not publish it.
    await db.workload.update({
      where: { id: s.w.id },
      data: { ports: JSON.stringify([{ hostPort: 18080, containerPort: 80, protocol: "tcp" }]) },
    });

    // Workloads of this runtime join the "host" network (the private engine's own namespace): the sandbox must not.
    const hostNetworked: EngineDeps = { ...engineDeps, runtime: createDockerRuntime(docker, { networkMode: "host" }) };
    const gate = await gatedTestRestore(
      s,
      `grep -qx 'snapshot rows' /data/app.db && test "$(ls /sys/class/net)" = lo && test "$GREETING" = from-config`,
      hostNetworked,
    );
    const { details } = gate;
    expect(details.Name).toBe(`/${sandboxName(gate.testRestoreId)}`);
    expect(details.Config.Image).toBe(inject("testImage"));
    expect(details.Config.Labels).toEqual({ [SANDBOX_LABEL]: gate.testRestoreId });
    expect(details.Config.Labels).not.toHaveProperty(OWNER_LABEL);
    expect(details.HostConfig.NetworkMode).toBe("none");
    expect(Object.keys(details.HostConfig.PortBindings ?? {})).toEqual([]);
    expect(details.HostConfig.PublishAllPorts).toBeFalsy();
    expect(details.HostConfig.RestartPolicy?.Name ?? "").toMatch(/^(no)?$/);
    expect(details.HostConfig.SecurityOpt).toEqual(["no-new-privileges"]);
    expect(details.HostConfig.PidsLimit).toBe(SANDBOX_PIDS_LIMIT);
    expect(details.HostConfig.Memory).toBe(SANDBOX_MEMORY_BYTES);
    // The snapshot's one volume from the sandbox, writable; the named volume it does not cover is not mounted.
    expect(details.Mounts.map((m) => ({ type: m.Type, source: m.Source, target: m.Destination, rw: m.RW }))).toEqual([
      { type: "bind", source: path.join(sandboxesRoot(engineDeps.dataDir), gate.testRestoreId, "0"), target: "/data", rw: true },
    ]);
    // While it runs, a viewer sees it without an outcome.
    expect((await listTestRestores(engineDeps, testActor, { workloadId: s.w.id }))[0]).toMatchObject({
      id: gate.testRestoreId,
      outcome: null,
    });

    const result = await gate.release();
    expect(result).toMatchObject({
      id: gate.testRestoreId,
      workloadId: s.w.id,
      snapshotId: s.snapshot.id,
      outcome: "passed",
      exitCode: 0,
      actor: testActor.label,
      finishedAt: expect.any(Date),
    });
    expect(result.reason).toBeUndefined();
    expect(await listTestRestores(engineDeps, testActor, { workloadId: s.w.id })).toEqual([result]);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { action: "snapshot.testRestore", target: s.snapshot.id } });
    expect(audit.outcome).toBe("success");
    expect(JSON.parse(audit.detail!)).toEqual({ testRestoreId: result.id, outcome: "passed" });
    await expectNothingLeft(s);
  });

  it("records a failing check with its exit code and output, and tells a real webhook receiver", async () => {
    const s = await scenario("failing");
    const receiver = await startWebhookReceiver();
    const target = await createAlertTarget(engineDeps, testActor, {
      name: "test restores",
      format: "json",
      url: `${receiver.origin}/hook`,
      events: ["test-restore-failed"],
    });
    try {
      const result = await testRestore({ ...engineDeps, testRestoreCheckMs: 2500 }, testActor, {
        id: s.snapshot.id,
        command: "  cat /data/missing.txt  ",
      });
      expect(result).toMatchObject({
        outcome: "failed",
        exitCode: 1,
        command: "cat /data/missing.txt",
        output: expect.stringMatching(/missing\.txt.*No such file or directory/),
        reason: "test-restore-check-failed",
        params: { exitCode: 1 },
      });
      const row = await db.testRestore.findUniqueOrThrow({ where: { id: result.id } });
      expect(row).toMatchObject({ outcome: "failed", exitCode: 1, output: result.output, finishedAt: expect.any(Date) });
      expect(decodeReason(row.detail!)).toMatchObject({ reason: "test-restore-check-failed", params: { exitCode: 1 } });

      await engineDeps.alerts.settled();
      expect(receiver.requests.map((r) => r.path)).toEqual(["/hook"]);
      expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({
        event: "test-restore-failed",
        severity: "error",
        workload: { id: s.w.id, name: "failing" },
        snapshotId: s.snapshot.id,
        runId: result.id,
        reason: "test-restore-check-failed",
        params: { exitCode: 1 },
        message: expect.stringMatching(/^Test restore failed: The check command failed \(exit code 1\)/),
      });
      await expectNothingLeft(s);
    } finally {
      await db.alertTarget.delete({ where: { id: target.id } });
      await receiver.close();
    }
  });

  it("stores the check's output and command with the workload's secret env values masked, for viewers", async () => {
    const secret = "s3cr3t-token-value";
    const s = await scenario("secret-output", {
      env: [
        { key: "TOKEN", value: secret, secret: true },
        { key: "PLAIN", value: "in-clear", secret: false },
      ],
    });
    const result = await testRestore({ ...engineDeps, testRestoreCheckMs: 1500 }, testActor, {
      id: s.snapshot.id,
      // The container has the value in clear: the check proves it, then prints it.
      command: `test "$TOKEN" = ${secret} && echo "token=$TOKEN plain=$PLAIN"; exit 1`,
    });
    const maskedCommand = `test "$TOKEN" = ${SECRET_MASK} && echo "token=$TOKEN plain=$PLAIN"; exit 1`;
    expect(result).toMatchObject({
      outcome: "failed",
      exitCode: 1,
      reason: "test-restore-check-failed",
      command: maskedCommand,
      output: `token=${SECRET_MASK} plain=in-clear\n`,
    });
    const row = await db.testRestore.findUniqueOrThrow({ where: { id: result.id } });
    expect({ command: row.command, output: row.output }).toEqual({ command: maskedCommand, output: result.output });
    const [listed] = await listTestRestores(engineDeps, testActor, { workloadId: s.w.id });
    expect(listed).toEqual(result);
    expect(JSON.stringify([row, listed])).not.toContain(secret);
    await expectNothingLeft(s);
  });

  it("refuses, before any work, a snapshot whose volume is no longer a writable bind at its target, as a restore would", async () => {
    const s = await scenario("moved-target");
    // After the snapshot, the workload's volume moved: /data is gone from its config.
    await db.workload.update({
      where: { id: s.w.id },
      data: { volumes: JSON.stringify([{ target: "/srv", scope: "stage", source: "data" }]) },
    });
    await expect(testRestore(engineDeps, testActor, { id: s.snapshot.id, command: "true" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      reason: "restore-unmapped",
      params: { targets: "/data" },
    });
    // Back at /data but read-only: a restore refuses it too.
    await db.workload.update({
      where: { id: s.w.id },
      data: { volumes: JSON.stringify([{ target: "/data", scope: "stage", source: "data", readOnly: true }]) },
    });
    await expect(testRestore(engineDeps, testActor, { id: s.snapshot.id, command: "true" })).rejects.toMatchObject({
      reason: "restore-unmapped",
      params: { targets: "/data" },
    });
    expect(await db.testRestore.count({ where: { workloadId: s.w.id } })).toBe(0);
    expect(await sandboxContainers()).toEqual([]);
    expect(await sandboxFolders()).toEqual([]);
    expect(await hashTree(s.live)).toEqual(s.liveTree);
  });

  it("without a command, passes a container that keeps running and fails one that exits on its own, with its log", async () => {
    const s = await scenario("no-command");
    const result = await testRestore(engineDeps, testActor, { id: s.snapshot.id });
    expect(result).toMatchObject({ outcome: "passed", exitCode: null, command: null });
    await expectNothingLeft(s);

    const gone = await makeWorkload({
      name: "exits",
      command: ["sh", "-c", "cat /data/app.db; exit 3"],
      volumes: [{ target: "/data", scope: "stage", source: "data" }],
    });
    await deployWorkload(engineDeps, testActor, gone.id);
    await fs.writeFile(path.join(volumeDir(gone.projectSlug, "data"), "app.db"), "restored and gone\n");
    const snapshot = await createSnapshot(engineDeps, testActor, { workloadId: gone.id });
    const failed = await testRestore(engineDeps, testActor, { id: snapshot.id });
    expect(failed).toMatchObject({
      outcome: "failed",
      exitCode: 3,
      output: "restored and gone\n",
      reason: "test-restore-container-exited",
      params: { exitCode: 3 },
    });
    expect(await sandboxContainers()).toEqual([]);
    expect(await sandboxFolders()).toEqual([]);
  });

  it("fails a damaged archive with checksum-mismatch before any container starts, and removes its sandbox", async () => {
    const s = await scenario("damaged");
    const file = snapshotFilePath(engineDeps.dataDir, { workloadId: s.w.id, fileName: `${s.snapshot.id}.tar.gz` });
    const bytes = await fs.readFile(file);
    bytes[bytes.length - 20]! ^= 0xff;
    await fs.writeFile(file, bytes);
    const started: SandboxSpec[] = [];
    const recording: ContainerRuntime = {
      ...engineDeps.runtime,
      runSandbox: (spec) => (started.push(spec), engineDeps.runtime.runSandbox(spec)),
    };
    const deps: EngineDeps = { ...engineDeps, runtime: recording };

    const result = await testRestore(deps, testActor, { id: s.snapshot.id, command: "true" });
    expect(result).toMatchObject({ outcome: "failed", exitCode: null, output: "", reason: "checksum-mismatch" });
    expect(started).toEqual([]);
    await expectNothingLeft(s);
  });

  it("refuses before any work: a bad command, a missing file, an unknown snapshot, and a second test restore of the workload", async () => {
    const s = await scenario("refusals");
    for (const command of ["true\nrm -rf /data", "true\rfalse", "a\0b", "x".repeat(501)]) {
      await expect(testRestore(engineDeps, testActor, { id: s.snapshot.id, command })).rejects.toMatchObject({
        code: "BAD_REQUEST",
        reason: "test-command-invalid",
        params: { max: 500 },
      });
    }
    await expect(testRestore(engineDeps, testActor, { id: "no-such-snapshot" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const file = snapshotFilePath(engineDeps.dataDir, { workloadId: s.w.id, fileName: `${s.snapshot.id}.tar.gz` });
    await fs.rename(file, `${file}.away`);
    await expect(testRestore(engineDeps, testActor, { id: s.snapshot.id })).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      reason: "snapshot-file-missing",
    });
    await fs.rename(`${file}.away`, file);
    expect(await db.testRestore.count({ where: { workloadId: s.w.id } })).toBe(0);

    const gate = await gatedTestRestore(s);
    await expect(testRestore(engineDeps, testActor, { id: s.snapshot.id, command: "true" })).rejects.toMatchObject({
      code: "CONFLICT",
      reason: "test-restore-running",
    });
    expect((await gate.release()).outcome).toBe("passed");
    // Once it has ended, the next one may run.
    expect((await testRestore(engineDeps, testActor, { id: s.snapshot.id, command: "true" })).outcome).toBe("passed");
    expect(await db.testRestore.count({ where: { workloadId: s.w.id } })).toBe(2);
    await expectNothingLeft(s);
  });

  it("recovery marks unfinished rows interrupted and removes leftover sandbox containers and folders, and nothing else", async () => {
    const s = await scenario("recovery");
    const finished = await testRestore(engineDeps, testActor, { id: s.snapshot.id, command: "true" });
    const unfinished = await db.testRestore.create({
      data: { id: "crashed-run", workloadId: s.w.id, snapshotId: s.snapshot.id, actor: "test", command: "true" },
    });
    // What a server killed mid-check leaves: the sandbox folder, and its container running on it.
    const leftover = path.join(sandboxesRoot(engineDeps.dataDir), unfinished.id);
    await fs.mkdir(path.join(leftover, "0"), { recursive: true });
    await fs.writeFile(path.join(leftover, "0/app.db"), "restored\n");
    await engineDeps.runtime.runSandbox({
      testRestoreId: unfinished.id,
      name: sandboxName(unfinished.id),
      image: inject("testImage"),
      command: longRunning("true"),
      env: {},
      mounts: [{ type: "bind", source: path.join(leftover, "0"), target: "/data", readOnly: false }],
    });
    // A container of that kind of name that is not a sandbox: never run in, never removed.
    const foreignName = sandboxName("foreign");
    const foreign = await docker.createContainer({
      name: foreignName,
      Image: inject("testImage"),
      Cmd: ["sleep", "600"],
      HostConfig: { NetworkMode: "none" },
    });
    try {
      await foreign.start();
      await expect(engineDeps.runtime.exec(foreignName, ["true"], { timeoutMs: 10_000 })).rejects.toThrow(/no sandbox container/);
      expect(await engineDeps.runtime.sandboxState(foreignName)).toEqual({ state: "missing" });
      await engineDeps.runtime.removeSandbox(foreignName);

      expect(await recoverTestRestores(engineDeps)).toEqual({ interrupted: 1, containers: 1, folders: 1 });
      const [crashed, done] = await listTestRestores(engineDeps, testActor, { workloadId: s.w.id }).then((list) =>
        ["crashed-run", finished.id].map((id) => list.find((r) => r.id === id) as TestRestoreView),
      );
      expect(crashed).toMatchObject({ outcome: "interrupted", finishedAt: expect.any(Date), reason: "test-restore-interrupted" });
      expect(done).toEqual(finished);
      expect(await sandboxContainers()).toEqual([]);
      expect(await sandboxFolders()).toEqual([]);
      expect((await foreign.inspect()).State.Running).toBe(true);
      await expectNothingLeft(s);
      // Again: nothing more to do.
      expect(await recoverTestRestores(engineDeps)).toEqual({ interrupted: 0, containers: 0, folders: 0 });
    } finally {
      await foreign.remove({ force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------
// PostgreSQL 15, run as test/support/postgres.ts says.

const IMAGE_BUILD_TIMEOUT_MS = 20 * 60_000;
const psql = (sql: string) => `${PG_BIN}/psql -h /tmp -U postgres -d postgres -v ON_ERROR_STOP=1 -X -q -At -c "${sql}"`;

/** `sh -c script` in the live container, through the docker CLI on the private engine. */
async function liveExec(container: string, script: string): Promise<string> {
  return (await run("docker", ["-H", inject("dockerHost"), "exec", container, "sh", "-c", script])).stdout;
}

describe("test restore of PostgreSQL 15", () => {
  it(
    "starts the server on the snapshot's data directory and pg_isready and a query pass the check",
    async () => {
      const image = await appImage("postgres");
      const w = await makeWorkload({
        name: "pg",
        image,
        command: postgresCommand,
        volumes: [{ target: PGDATA, scope: "stage", source: "pgdata" }],
      });
      await deployWorkload(engineDeps, testActor, w.id);
      const container = (await getWorkload(engineDeps, testActor, w.id)).containerName;
      await expect
        .poll(
          () =>
            liveExec(container, `${PG_BIN}/pg_isready -h /tmp -q`).then(
              () => true,
              () => false,
            ),
          { timeout: 90_000, interval: 250 },
        )
        .toBe(true);
      for (const sql of ["create table t (id int primary key)", "insert into t select generate_series(1, 1000)", "checkpoint"]) {
        await liveExec(container, psql(sql));
      }
      const snapshot: SnapshotView = await createSnapshot(engineDeps, testActor, { workloadId: w.id, label: "pg" });
      // After the snapshot the live table grows: the sandbox must answer with the snapshot's rows.
      await liveExec(container, psql("insert into t select generate_series(1001, 1500)"));

      const result = await testRestore(engineDeps, testActor, {
        id: snapshot.id,
        command: `${PG_BIN}/pg_isready -h /tmp && ${psql("select count(*) from t")}`,
      });
      expect(result, result.output).toMatchObject({ outcome: "passed", exitCode: 0 });
      expect(result.output).toMatch(/accepting connections\n1000\n$/);
      expect((await liveExec(container, psql("select count(*) from t"))).trim()).toBe("1500");
      expect(await sandboxContainers()).toEqual([]);
      expect(await sandboxFolders()).toEqual([]);
    },
    IMAGE_BUILD_TIMEOUT_MS + 5 * 60_000,
  );
});
