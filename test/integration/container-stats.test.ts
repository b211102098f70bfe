// Issue 17, item 8: CPU, memory, restarts and uptime of workload containers, read from a real
// Docker engine (the private test engine) through the adapter and the engine functions.
import { describe, expect, inject, it } from "vitest";
import { createDockerClient } from "~/server/docker/client";
import { engineDeps } from "~/server/engine-deps";
import type { ContainerRuntime } from "~/server/engine/container-runtime";
import { containerStats, STATS_CONCURRENCY, workloadStats } from "~/server/engine/workloads/workload-stats";
import { StatsCache, STATS_TTL_MS } from "~/server/engine/workloads/stats-cache";
import { containerRef, deployWorkload, loadWorkload, stopWorkload } from "~/server/engine/workloads/workloads";
import { removeWorkloadContainersAfterAll } from "../support/container-cleanup";
import { TestClock } from "../support/test-clock";
import { createIdentities } from "../support/identities";
import { allProcedurePaths, CONTAINER_STATS_PROCEDURES, type MatrixEntry, runRoleMatrix } from "../support/role-matrix";
import { longRunning, makeWorkload, testActor } from "../support/workload-fixtures";

removeWorkloadContainersAfterAll();

const docker = createDockerClient(inject("dockerHost"));
const measured = async (id: string) => {
  const stats = await workloadStats(engineDeps, testActor, { id });
  if (stats.state !== "measured") throw new Error(`not measured: ${JSON.stringify(stats)}`);
  return stats;
};
const containerOf = async (id: string) => docker.getContainer(containerRef(await loadWorkload(engineDeps.db, id)).name).inspect();

describe("a workload's container stats", () => {
  it("a process burning CPU shows more CPU than an idle one, memory in use, no restarts, and the start time Docker has", async () => {
    const idle = await makeWorkload({ name: "idle", command: longRunning("true") });
    const w = await makeWorkload({ name: "burn", command: ["sh", "-c", "trap 'exit 0' TERM; while :; do :; done"] });
    await deployWorkload(engineDeps, testActor, idle.id);
    await deployWorkload(engineDeps, testActor, w.id);
    // No absolute figures (they depend on the machine's load): the busy loop against the idle one, read side by side.
    // The first sample may straddle the start; the loop shows within a few.
    await expect
      .poll(
        async () => {
          const [busy, calm] = await Promise.all([measured(w.id), measured(idle.id)]);
          expect(calm.running).toBe(true);
          expect(calm.cpuPercent).toBeGreaterThanOrEqual(0);
          return (busy.cpuPercent ?? 0) > (calm.cpuPercent ?? Number.POSITIVE_INFINITY);
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    const stats = await measured(w.id);
    expect(stats).toMatchObject({ workloadId: w.id, running: true, restartCount: 0, finishedAt: null });
    expect(stats.memoryBytes).toBeGreaterThan(0);
    expect(stats.memoryLimitBytes).toBeGreaterThanOrEqual(stats.memoryBytes ?? Number.POSITIVE_INFINITY);
    const info = await containerOf(w.id);
    expect(stats.startedAt).toBe(info.State.StartedAt);
    expect(stats.at.getTime()).toBeGreaterThanOrEqual(Date.parse(info.State.StartedAt));
  });

  it("the restart count rises when the process is killed under the restart policy always", async () => {
    const w = await makeWorkload({ name: "crashy", restartPolicy: "always", command: longRunning("true") });
    await deployWorkload(engineDeps, testActor, w.id);
    const pid = (await containerOf(w.id)).State.Pid;
    expect(pid).toBeGreaterThan(0);
    // Killed from outside, as the OOM killer would: Docker restarts it, counting.
    process.kill(pid, "SIGKILL");
    await expect.poll(async () => (await measured(w.id)).restartCount, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    await expect.poll(async () => (await measured(w.id)).running, { timeout: 30_000 }).toBe(true);
    expect((await measured(w.id)).restartCount).toBe((await containerOf(w.id)).RestartCount);
  });

  it("a stopped container is not running: no CPU or memory, and when it stopped", async () => {
    const w = await makeWorkload({ name: "halted", command: longRunning("true") });
    await deployWorkload(engineDeps, testActor, w.id);
    await stopWorkload(engineDeps, testActor, w.id);
    const stats = await measured(w.id);
    expect(stats).toMatchObject({ running: false, cpuPercent: null, memoryBytes: null, memoryLimitBytes: null, restartCount: 0 });
    const info = await containerOf(w.id);
    expect(stats.finishedAt).toBe(info.State.FinishedAt);
    expect(stats.startedAt).toBe(info.State.StartedAt);
  });

  it("a workload never deployed has no container: missing, and the adapter says null", async () => {
    const w = await makeWorkload({ name: "never" });
    expect(await workloadStats(engineDeps, testActor, { id: w.id })).toMatchObject({ workloadId: w.id, state: "missing" });
    expect(await engineDeps.runtime.stats(containerRef(await loadWorkload(engineDeps.db, w.id)))).toBeNull();
    await expect(workloadStats(engineDeps, testActor, { id: "nope" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("every workload's stats for the dashboard", () => {
  it("reads at most four at once, and a workload Docker fails on is unavailable while the others are measured", async () => {
    const made = await Promise.all(
      ["d1", "d2", "d3", "d4", "d5", "d6"].map((name) => makeWorkload({ name, command: longRunning("true") })),
    );
    for (const w of made) await deployWorkload(engineDeps, testActor, w.id);
    const failing = made[0]!.id;
    let inFlight = 0;
    let most = 0;
    const real = engineDeps.runtime;
    const runtime: ContainerRuntime = {
      ...real,
      async stats(ref) {
        inFlight++;
        most = Math.max(most, inFlight);
        try {
          if (ref.workloadId === failing) throw Object.assign(new Error("Docker says: /var/lib/docker is broken"), { statusCode: 500 });
          return await real.stats(ref);
        } finally {
          inFlight--;
        }
      },
    };
    const view = await containerStats({ ...engineDeps, runtime, stats: new StatsCache() }, testActor);
    expect(most).toBe(STATS_CONCURRENCY);
    const byId = new Map(view.workloads.map((s) => [s.workloadId, s]));
    expect(byId.get(failing)).toEqual({ workloadId: failing, state: "unavailable", reason: "docker-error" });
    for (const w of made.slice(1)) expect(byId.get(w.id), w.name).toMatchObject({ state: "measured", running: true });
    // Every workload in the database has a reading, the never-deployed ones too.
    expect(view.workloads.length).toBe(await engineDeps.db.workload.count());
    expect(JSON.stringify(view)).not.toContain("/var/lib/docker");
  });

  it("an engine that does not answer makes each workload unavailable, not the call a failure", async () => {
    const w = await makeWorkload({ name: "lonely" });
    const { createDockerRuntime } = await import("~/server/docker/container-runtime");
    const runtime = createDockerRuntime(createDockerClient("unix:///nonexistent/docker.sock"), { networkMode: "none" });
    const view = await containerStats({ ...engineDeps, runtime, stats: new StatsCache() }, testActor);
    expect(view.workloads.find((s) => s.workloadId === w.id)).toEqual({
      workloadId: w.id,
      state: "unavailable",
      reason: "docker-unreachable",
    });
  });
});

describe("one reading shared by every poller", () => {
  it("concurrent detail and dashboard polls ask Docker once per container; a later poll past the TTL asks again", async () => {
    const w = await makeWorkload({ name: "shared", command: longRunning("true") });
    await deployWorkload(engineDeps, testActor, w.id);
    const calls = new Map<string, number>();
    const real = engineDeps.runtime;
    const runtime: ContainerRuntime = {
      ...real,
      stats(ref) {
        calls.set(ref.workloadId, (calls.get(ref.workloadId) ?? 0) + 1);
        return real.stats(ref);
      },
    };
    const clock = new TestClock(Date.parse("2026-03-01T00:00:00Z"));
    const deps = { ...engineDeps, runtime, clock, stats: new StatsCache() };
    const [a, b, board] = await Promise.all([
      workloadStats(deps, testActor, { id: w.id }),
      workloadStats(deps, testActor, { id: w.id }),
      containerStats(deps, testActor),
    ]);
    expect(calls.get(w.id)).toBe(1);
    expect(a).toMatchObject({ state: "measured", running: true });
    expect(b).toEqual(a);
    const { at: _at, ...reading } = a;
    expect(board.workloads.find((s) => s.workloadId === w.id)).toEqual(reading);
    // Every other workload was read once too, by the dashboard alone.
    for (const [id, n] of calls) expect(n, id).toBe(1);
    // Within the TTL the reading is reused; past it, Docker is asked again.
    await clock.advanceTo(new Date(clock.now().getTime() + STATS_TTL_MS - 1), async () => {});
    await workloadStats(deps, testActor, { id: w.id });
    expect(calls.get(w.id)).toBe(1);
    await clock.advanceTo(new Date(clock.now().getTime() + 1), async () => {});
    await workloadStats(deps, testActor, { id: w.id });
    expect(calls.get(w.id)).toBe(2);
  });
});

describe("role matrix for the stats procedures", () => {
  it("lets viewers read stats; anonymous and revoked callers are refused", async () => {
    const ids = await createIdentities(engineDeps);
    const entries: Record<string, MatrixEntry> = {
      "workload.stats": { role: "VIEWER", input: async () => ({ id: (await makeWorkload({ name: "matrix" })).id }) },
      "dashboard.containerStats": { role: "VIEWER", input: () => undefined },
    };
    expect(Object.keys(entries).sort()).toEqual(allProcedurePaths().filter((p) => CONTAINER_STATS_PROCEDURES.includes(p)));
    expect(Object.keys(entries).sort()).toEqual([...CONTAINER_STATS_PROCEDURES].sort());
    const outcomes = await runRoleMatrix(entries, ids.headers);
    for (const [p, byIdentity] of Object.entries(outcomes)) {
      expect(byIdentity.viewer.ok, p).toBe(true);
      expect(byIdentity.viewerToken.ok, p).toBe(true);
    }
  });
});
