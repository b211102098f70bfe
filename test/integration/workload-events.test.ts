import { afterAll, describe, expect, inject, it } from "vitest";
import { createDockerClient } from "~/server/docker/client";
import { createDockerRuntime } from "~/server/docker/container-runtime";
import { db } from "~/server/db";
import { engineDeps } from "~/server/engine-deps";
import type { Actor } from "~/server/engine/actor";
import type { EngineDeps } from "~/server/engine/deps";
import { DomainError } from "~/server/engine/errors";
import { restoreSnapshot } from "~/server/engine/restore/restore";
import { createSnapshot } from "~/server/engine/snapshots/capture";
import { listWorkloadEvents, recordWorkloadEvent, WORKLOAD_EVENTS_KEPT } from "~/server/engine/workloads/workload-events";
import {
  containerName,
  deployWorkload,
  getWorkload,
  loadWorkload,
  startWorkload,
  stopWorkload,
  updateWorkload,
} from "~/server/engine/workloads/workloads";
import { removeWorkloadContainersAfterAll } from "../support/container-cleanup";
import { createIdentities } from "../support/identities";
import { runRoleMatrix, WORKLOAD_EVENT_PROCEDURES } from "../support/role-matrix";
import { longRunning, makeWorkload, testActor } from "../support/workload-fixtures";
import { freePort } from "../support/free-port";

removeWorkloadContainersAfterAll();
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

const viewer: Actor = { kind: "user", userId: "viewer", label: "viewer", role: "VIEWER" };
const events = (id: string) => listWorkloadEvents(engineDeps, testActor, { id });

describe("saved but not applied", () => {
  it("lists what was saved without a redeploy until a deploy applies it", async () => {
    const w = await makeWorkload({
      name: "pending",
      env: [
        { key: "GREETING", value: "hello", secret: false },
        { key: "TOKEN", value: "first-secret", secret: true },
      ],
    });
    expect(w.neverDeployed).toBe(true);
    expect(w.pendingChanges).toBeNull();

    const deployed = await deployWorkload(engineDeps, testActor, w.id);
    expect(deployed.status.state).toBe("running");
    expect(deployed.neverDeployed).toBe(false);
    expect(deployed.pendingChanges).toBeNull();
    const row = await db.workload.findUniqueOrThrow({ where: { id: w.id } });
    expect(row.appliedAt).not.toBeNull();
    expect(JSON.parse(row.appliedConfig!).image).toBe(inject("testImage"));

    // Saved as the form sends it (the admin sees secrets in clear, so it comes back re-sealed): no change.
    const same = await updateWorkload(engineDeps, testActor, { ...deployed, id: w.id, redeploy: false });
    expect(same.pendingChanges).toBeNull();

    const saved = await updateWorkload(engineDeps, testActor, {
      ...deployed,
      id: w.id,
      redeploy: false,
      env: [
        { key: "GREETING", value: "bonjour", secret: false },
        { key: "TOKEN", value: "second-secret", secret: true },
      ],
      restartPolicy: "always",
    });
    expect(saved.pendingChanges).toEqual([
      { field: "env", key: "GREETING", change: "changed", before: "hello", after: "bonjour" },
      { field: "env", key: "TOKEN", change: "changed" },
      { field: "restartPolicy", change: "changed", before: "no", after: "always" },
    ]);
    expect(JSON.stringify(saved.pendingChanges)).not.toMatch(/first-secret|second-secret/);

    const asViewer = await getWorkload(engineDeps, viewer, w.id);
    expect(asViewer.pendingChanges).toEqual([
      { field: "env", key: "GREETING", change: "changed" },
      { field: "env", key: "TOKEN", change: "changed" },
      { field: "restartPolicy", change: "changed", before: "no", after: "always" },
    ]);
    // What was deployed (env values in it) stays on the server.
    expect(asViewer).not.toHaveProperty("appliedConfig");
    // (viewers see today's plain values in env, as before; the deployed one and secrets nowhere)
    expect(JSON.stringify(asViewer)).not.toMatch(/hello|first-secret|second-secret/);

    const redeployed = await deployWorkload(engineDeps, testActor, w.id);
    expect(redeployed.pendingChanges).toBeNull();
  });
});

describe("workload events", () => {
  it("records deploy, stop, start and an update that redeploys, newest first", async () => {
    const w = await makeWorkload({ name: "events" });
    await deployWorkload(engineDeps, testActor, w.id);
    await stopWorkload(engineDeps, testActor, w.id);
    await startWorkload(engineDeps, testActor, w.id);
    await updateWorkload(engineDeps, testActor, { ...w, command: longRunning("echo again"), id: w.id, redeploy: true });
    await updateWorkload(engineDeps, testActor, { ...w, command: longRunning("echo saved"), id: w.id, redeploy: false });
    const list = await events(w.id);
    expect(list.map((e) => [e.kind, e.outcome, e.reason, e.actor])).toEqual([
      ["update", "success", null, "test"],
      ["start", "success", null, "test"],
      ["stop", "success", null, "test"],
      ["deploy", "success", null, "test"],
    ]);
    expect((await listWorkloadEvents(engineDeps, viewer, { id: w.id, limit: 2 })).map((e) => e.kind)).toEqual(["update", "start"]);
    await expect(listWorkloadEvents(engineDeps, viewer, { id: "nope" })).rejects.toMatchObject({ reason: "not-found" });
  });

  it("turns a host port already in use into host-port-in-use, keeps it as the last failure until a deploy succeeds", async () => {
    // The test engine's default network mode ("none") publishes nothing; a bridge of its own
    // (inside the engine's private network namespace) makes Docker allocate host ports.
    const docker = createDockerClient(inject("dockerHost"));
    const network = `workload-events-net-${process.pid}`;
    await docker.createNetwork({ Name: network, Driver: "bridge" });
    const deps: EngineDeps = { ...engineDeps, runtime: createDockerRuntime(docker, { networkMode: network }) };
    const created: string[] = [];
    cleanups.push(async () => {
      for (const id of created)
        await docker
          .getContainer(containerName(await loadWorkload(db, id)))
          .remove({ force: true })
          .catch(() => {});
      await docker.getNetwork(network).remove();
    });

    const port = await freePort("0.0.0.0");
    const holder = await makeWorkload({ name: "porta", ports: [{ hostPort: port, containerPort: 80, protocol: "tcp" }] });
    created.push(holder.id);
    expect((await deployWorkload(deps, testActor, holder.id)).status.state).toBe("running");

    // The save-time check would refuse this: the row is written as an older version could have saved it.
    const clash = await makeWorkload({ name: "portb" });
    created.push(clash.id);
    await deployWorkload(deps, testActor, clash.id); // running without ports; the port comes with the next deploy
    await db.workload.update({
      where: { id: clash.id },
      data: { ports: JSON.stringify([{ hostPort: port, containerPort: 81, protocol: "tcp" }]) },
    });

    expect((await getWorkload(deps, testActor, clash.id)).pendingChanges).toMatchObject([{ field: "ports", change: "added" }]);
    const failed = await deployWorkload(deps, testActor, clash.id).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(DomainError);
    expect(failed).toMatchObject({ reason: "host-port-in-use", params: { port: String(port) } });
    // Docker's own text (the endpoint's 64-character id, "driver failed programming…") does not leave the engine.
    expect((failed as Error).message).not.toMatch(/[0-9a-f]{64}|driver|endpoint/i);

    const [event] = await events(clash.id);
    expect(event).toMatchObject({ kind: "deploy", outcome: "failure", reason: "host-port-in-use", params: { port: String(port) } });
    const row = await db.workloadEvent.findFirstOrThrow({ where: { workloadId: clash.id } });
    expect(row.params).not.toMatch(/[0-9a-f]{64}/);

    // After a reload the view still says why the last deploy failed.
    const view = await getWorkload(deps, testActor, clash.id);
    expect(view.lastDeployFailure).toMatchObject({ kind: "deploy", reason: "host-port-in-use" });
    expect(view.status.state).toBe("created");
    // Docker made the container with the saved settings before its start failed: that is what a
    // later Start runs, so nothing waits for a redeploy.
    expect(view).toMatchObject({ neverDeployed: false, pendingChanges: null });

    // Freed (the holder stopped), a plain Start runs that container and the failure is no longer shown.
    await stopWorkload(deps, testActor, holder.id);
    const fixed = await startWorkload(deps, testActor, clash.id);
    expect(fixed.status.state).toBe("running");
    expect(fixed.lastDeployFailure).toBeNull();
    expect(fixed.pendingChanges).toBeNull();
  });

  it("records a restore", async () => {
    const w = await makeWorkload({ name: "restored", volumes: [{ target: "/data", scope: "stage", source: "restored" }] });
    await deployWorkload(engineDeps, testActor, w.id);
    const snapshot = await createSnapshot(engineDeps, testActor, { workloadId: w.id });
    await restoreSnapshot(engineDeps, testActor, { workloadId: w.id, snapshotId: snapshot.id, confirm: snapshot.id });
    const [event] = await events(w.id);
    expect(event).toMatchObject({ kind: "restore", outcome: "success", reason: null });
  });

  it("clears an older deploy failure once a restore's redeploy or a quiesced capture has the container up again", async () => {
    const w = await makeWorkload({ name: "recovered", volumes: [{ target: "/data", scope: "stage", source: "recovered" }] });
    await deployWorkload(engineDeps, testActor, w.id);
    const snapshot = await createSnapshot(engineDeps, testActor, { workloadId: w.id });
    const failDeploy = () =>
      recordWorkloadEvent(db, { workloadId: w.id, kind: "deploy", outcome: "failure", actor: testActor, error: new Error("gone") });

    await failDeploy();
    expect((await getWorkload(engineDeps, testActor, w.id)).lastDeployFailure).toMatchObject({ kind: "deploy" });
    await restoreSnapshot(engineDeps, testActor, { workloadId: w.id, snapshotId: snapshot.id, confirm: snapshot.id });
    expect((await getWorkload(engineDeps, testActor, w.id)).lastDeployFailure).toBeNull();

    // A quiesced capture stops and starts the container: it says so only when that ends a failure.
    const before = (await events(w.id)).length;
    await createSnapshot(engineDeps, testActor, { workloadId: w.id, quiesce: true });
    expect(await events(w.id)).toHaveLength(before);
    await failDeploy();
    await createSnapshot(engineDeps, testActor, { workloadId: w.id, quiesce: true });
    expect((await events(w.id))[0]).toMatchObject({ kind: "start", outcome: "success" });
    expect((await getWorkload(engineDeps, testActor, w.id)).lastDeployFailure).toBeNull();
  });

  it("shows a failure's free-text detail (host folders) to admins only; viewers learn that it failed", async () => {
    const w = await makeWorkload({ name: "clashing" });
    const detail = `Volume "/data": ${engineDeps.dataDir}/volumes/x overlaps another workload's folder`;
    await recordWorkloadEvent(db, {
      workloadId: w.id,
      kind: "deploy",
      outcome: "failure",
      actor: testActor,
      error: new DomainError("BAD_REQUEST", detail, { reason: "volume-clash", params: { detail } }),
    });
    const [asAdmin] = await listWorkloadEvents(engineDeps, testActor, { id: w.id });
    expect(asAdmin).toMatchObject({ reason: "volume-clash", params: { detail } });
    const [asViewer] = await listWorkloadEvents(engineDeps, viewer, { id: w.id });
    expect(asViewer).toMatchObject({ kind: "deploy", outcome: "failure", reason: "failure-details-hidden", params: {} });
    const view = await getWorkload(engineDeps, viewer, w.id);
    expect(view.lastDeployFailure).toMatchObject({ reason: "failure-details-hidden" });
    expect(JSON.stringify(view)).not.toContain(engineDeps.dataDir);
    expect((await getWorkload(engineDeps, testActor, w.id)).lastDeployFailure).toMatchObject({ reason: "volume-clash" });
  });

  it("keeps the newest events per workload", async () => {
    const w = await makeWorkload({ name: "pruned" });
    for (let i = 0; i < WORKLOAD_EVENTS_KEPT + 5; i++) {
      await recordWorkloadEvent(db, { workloadId: w.id, kind: "stop", outcome: "success", actor: testActor });
    }
    await recordWorkloadEvent(db, {
      workloadId: w.id,
      kind: "deploy",
      outcome: "failure",
      actor: testActor,
      error: new Error("secret /host/path"),
    });
    expect(await db.workloadEvent.count({ where: { workloadId: w.id } })).toBe(WORKLOAD_EVENTS_KEPT);
    const [newest] = await events(w.id);
    // A raw error keeps no text: only a reason code.
    expect(newest).toMatchObject({ kind: "deploy", outcome: "failure", reason: "unexpected", params: {} });
  });

  it("lets viewers read the events, nobody anonymous", async () => {
    const ids = await createIdentities(engineDeps);
    const w = await makeWorkload({ name: "matrix" });
    const entries = Object.fromEntries(WORKLOAD_EVENT_PROCEDURES.map((p) => [p, { role: "VIEWER" as const, input: () => ({ id: w.id }) }]));
    const outcomes = await runRoleMatrix(entries, ids.headers);
    expect(outcomes["workload.events"]!.viewer.ok).toBe(true);
  });
});
