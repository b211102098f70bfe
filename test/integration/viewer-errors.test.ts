import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createDockerClient } from "~/server/docker/client";
import { createDockerRuntime } from "~/server/docker/container-runtime";
import { engineDeps } from "~/server/engine-deps";
import type { Actor } from "~/server/engine/actor";
import type { OperationEvent } from "~/server/engine/operations";
import { createSnapshot } from "~/server/engine/snapshots/capture";
import { snapshotDir } from "~/server/engine/snapshots/snapshot-store";
import { deployWorkload, getWorkload } from "~/server/engine/workloads/workloads";
import { removeWorkloadContainersAfterAll } from "../support/container-cleanup";
import { callerFor, createIdentities } from "../support/identities";
import { makeWorkload, testActor } from "../support/workload-fixtures";

// Real failures whose raw error text names host paths (the data dir, the Docker socket);
// what a viewer reads of them must carry none of it. The cause goes to the server log.
removeWorkloadContainersAfterAll();
const root = path.resolve(import.meta.dirname, "../..");

async function viewer() {
  const { viewer, headers } = await createIdentities(engineDeps);
  const actor: Actor = { kind: "user", userId: viewer.id, label: viewer.email, role: "VIEWER" };
  return { actor, api: await callerFor(headers.viewer) };
}

function expectNoHostPath(value: unknown) {
  const text = JSON.stringify(value);
  expect(text).not.toContain(engineDeps.dataDir);
  expect(text).not.toMatch(/\/tmp\/|docker\.sock|EPERM|ENOENT/);
}

describe("what viewers see of failures", () => {
  it("a capture that cannot write its file: the progress event has a path-free message", async () => {
    const { api } = await viewer();
    const w = await makeWorkload({ name: "capture-fails", volumes: [{ target: "/a", scope: "stage", source: "a" }] });
    await deployWorkload(engineDeps, testActor, w.id);
    // The snapshot folder refuses new files (EPERM, naming the .tmp path under the data dir).
    const dir = snapshotDir(engineDeps.dataDir, w.id);
    await fs.mkdir(dir, { recursive: true });
    execFileSync("chattr", ["+i", dir]);
    try {
      await expect(createSnapshot(engineDeps, testActor, { workloadId: w.id })).rejects.toMatchObject({ code: "PRECONDITION_FAILED" });
    } finally {
      execFileSync("chattr", ["-i", dir]);
    }
    const events: OperationEvent[] = [];
    for await (const event of await api.snapshot.progress({ workloadId: w.id })) {
      events.push(event as OperationEvent);
      break;
    }
    expect(events).toMatchObject([
      {
        kind: "capture",
        done: true,
        phase: "failed",
        error: "Permission denied on the server's filesystem",
        errorReason: "permission-denied",
      },
    ]);
    expectNoHostPath(events);
  });

  it("a workload whose Docker engine cannot be reached: status.reason is a code", async () => {
    const { actor } = await viewer();
    const w = await makeWorkload({ name: "dead-engine" });
    const socket = path.join(engineDeps.dataDir, "no-engine", "docker.sock");
    const deps = { ...engineDeps, runtime: createDockerRuntime(createDockerClient(`unix://${socket}`), { networkMode: "none" }) };
    const view = await getWorkload(deps, actor, w.id);
    expect(view.status).toEqual({ state: "unreachable", reason: "docker-unreachable" });
    expectNoHostPath(view.status);
  });

  it("a restore whose redeploy fails at boot: the run's detail is a code", async () => {
    const { api } = await viewer();
    const w = await makeWorkload({ name: "redeploy-fails", volumes: [{ target: "/a", scope: "stage", source: "a" }] });
    await deployWorkload(engineDeps, testActor, w.id);
    const live = path.join(engineDeps.dataDir, "volumes/projects", w.projectSlug, "stages/production/a");
    await fs.writeFile(path.join(live, "state.txt"), "snapshot");
    const snapshot = await createSnapshot(engineDeps, testActor, { workloadId: w.id });
    const run = (args: string[], env: Record<string, string>) =>
      spawnSync(process.execPath, ["--import", "tsx", path.join(root, "test/support/restore-child.ts"), ...args], {
        cwd: root,
        env: { ...process.env, ...env },
        encoding: "utf8",
      });
    expect(run(["restore", w.id, snapshot.id], { BERTH_CRASH_AT: "after-commit" }).signal).toBe("SIGKILL");
    // Recovery finishes the restore, but the engine it redeploys through is gone.
    const recovered = run(["recover"], {
      BERTH_CRASH_AT: "",
      DOCKER_HOST: `unix://${path.join(engineDeps.dataDir, "no-engine", "docker.sock")}`,
    });
    expect(recovered.status, recovered.stderr).toBe(0);
    const runs = await api.snapshot.restoreRuns({ workloadId: w.id });
    expect(runs).toMatchObject([{ outcome: "completed-at-boot", detail: "redeploy-failed" }]);
    expectNoHostPath(runs.map((r) => r.detail));
  });
});
