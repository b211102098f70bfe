import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { createDockerClient } from "~/server/docker/client";
import { db } from "~/server/db";
import { engineDeps } from "~/server/engine-deps";
import type { ContainerRuntime } from "~/server/engine/container-runtime";
import {
  deleteWorkload,
  deployWorkload,
  getWorkload,
  startWorkload,
  stopWorkload,
  updateWorkload,
} from "~/server/engine/workloads/workloads";
import { workloadLogs } from "~/server/engine/workloads/workload-logs";
import { removeWorkloadContainersAfterAll } from "../support/container-cleanup";
import { createIdentities } from "../support/identities";
import {
  allProcedurePaths,
  CONTAINER_STATS_PROCEDURES,
  type MatrixEntry,
  runRoleMatrix,
  WORKLOAD_EVENT_PROCEDURES,
} from "../support/role-matrix";
import { longRunning, makeStage, makeWorkload, testActor } from "../support/workload-fixtures";
import type { EngineDeps } from "~/server/engine/deps";

const docker = createDockerClient(inject("dockerHost"));
const dataDir = () => engineDeps.dataDir;
const stageDir = (project: string, ...rest: string[]) => path.join(dataDir(), "volumes/projects", project, "stages/production", ...rest);
const sharedDir = (project: string, ...rest: string[]) => path.join(dataDir(), "volumes/projects", project, "shared", ...rest);

async function waitForFile(file: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fs.readFile(file, "utf8");
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

removeWorkloadContainersAfterAll();

describe("deploy on the real engine", () => {
  it("writes into stage and project volumes at their resolved host paths", async () => {
    const w = await makeWorkload({
      command: longRunning('echo "$GREETING" > /stage/hello.txt; echo shared > /shared/p.txt'),
      env: [{ key: "GREETING", value: "hello from berth", secret: false }],
      volumes: [
        { target: "/stage", scope: "stage", source: "app-data" },
        { target: "/shared", scope: "project", source: "common" },
      ],
    });
    const deployed = await deployWorkload(engineDeps, testActor, w.id);
    expect(deployed.status.state).toBe("running");
    expect(await waitForFile(stageDir(w.projectSlug, "app-data/hello.txt"))).toBe("hello from berth\n");
    expect(await waitForFile(sharedDir(w.projectSlug, "common/p.txt"))).toBe("shared\n");
    expect((await fs.stat(stageDir(w.projectSlug, "app-data"))).mode & 0o777).toBe(0o755);

    const info = await docker.getContainer(deployed.containerName).inspect();
    expect(info.Name).toBe(`/berth_${w.projectSlug}_production_app`);
    expect(info.Config.Labels["berth.workload"]).toBe(w.id);
    expect(info.HostConfig.Binds ?? []).toEqual([]);
    expect(info.HostConfig.Mounts?.map((m) => [m.Type, m.Source, m.Target, !!m.ReadOnly])).toEqual([
      ["bind", stageDir(w.projectSlug, "app-data"), "/stage", false],
      ["bind", sharedDir(w.projectSlug, "common"), "/shared", false],
    ]);

    // Update the env and redeploy: a new container with the new value.
    const updated = await updateWorkload(engineDeps, testActor, {
      ...deployed,
      env: [{ key: "GREETING", value: "second deploy", secret: false }],
      id: w.id,
      redeploy: true,
    });
    const info2 = await docker.getContainer(updated.containerName).inspect();
    expect(info2.Id).not.toBe(info.Id);
    expect(info2.Config.Env).toContain("GREETING=second deploy");
    await expect.poll(() => fs.readFile(stageDir(w.projectSlug, "app-data/hello.txt"), "utf8")).toBe("second deploy\n");
    expect(await workloadLogs(engineDeps, testActor, { id: w.id })).toEqual([]);
  });

  it("stops, starts and deletes, keeping the data unless asked and confirmed", async () => {
    const w = await makeWorkload({
      name: "cycle",
      command: longRunning("echo started; date >> /data/starts"),
      volumes: [{ target: "/data", scope: "stage", source: "cycle" }],
    });
    await deployWorkload(engineDeps, testActor, w.id);
    await expect.poll(async () => (await workloadLogs(engineDeps, testActor, { id: w.id })).map((l) => l.text).join("\n")).toBe("started");

    expect((await stopWorkload(engineDeps, testActor, w.id)).status).toMatchObject({ state: "exited", exitCode: 0 });
    expect((await startWorkload(engineDeps, testActor, w.id)).status.state).toBe("running");
    await expect.poll(async () => (await fs.readFile(stageDir(w.projectSlug, "cycle/starts"), "utf8")).split("\n").length).toBe(3);

    await expect(deleteWorkload(engineDeps, testActor, { id: w.id, deleteData: true, confirmName: "nope" })).rejects.toThrow(
      /confirm by typing the workload name \(cycle\)/,
    );
    expect((await getWorkload(engineDeps, testActor, w.id)).status.state).toBe("running");
    await deleteWorkload(engineDeps, testActor, { id: w.id, deleteData: false });
    await expect(docker.getContainer(`berth_${w.projectSlug}_production_cycle`).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(fs.stat(stageDir(w.projectSlug, "cycle/starts"))).resolves.toBeTruthy();
    await expect(getWorkload(engineDeps, testActor, w.id)).rejects.toMatchObject({ code: "NOT_FOUND" });

    const w2 = await makeWorkload({ name: "gone", volumes: [{ target: "/data", scope: "stage", source: "gone" }] });
    await deployWorkload(engineDeps, testActor, w2.id);
    await expect(deleteWorkload(engineDeps, testActor, { id: w2.id, deleteData: true, confirmName: "gone" })).resolves.toEqual({
      deletedPaths: 1,
    });
    await expect(fs.stat(stageDir(w2.projectSlug, "gone"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("starting a never-deployed workload deploys it", async () => {
    const w = await makeWorkload({ name: "fresh" });
    expect(w.status.state).toBe("missing");
    expect((await startWorkload(engineDeps, testActor, w.id)).status.state).toBe("running");
  });

  it("reports an image that is missing and cannot be pulled, and changes nothing", async () => {
    const w = await makeWorkload({ name: "noimage", image: "registry.invalid/berth/none:1" });
    const error = await deployWorkload(engineDeps, testActor, w.id).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "PRECONDITION_FAILED",
      message: "Image registry.invalid/berth/none:1 is not on this host and could not be pulled",
    });
    expect((await getWorkload(engineDeps, testActor, w.id)).status.state).toBe("missing");
    const audit = await db.auditEvent.findFirst({ where: { action: "workload.deploy" }, orderBy: { at: "desc" } });
    expect(audit?.outcome).toBe("failure");
  });
});

describe("volume rules at create and at deploy", () => {
  const attempts: [string, { scope: "stage" | "project" | "absolute"; source: string }, RegExp][] = [
    ["parent segment", { scope: "stage", source: "../x" }, /must not contain "\.\."/],
    ["nested parent", { scope: "stage", source: "a/../../x" }, /must not contain "\.\."/],
    ["absolute in stage scope", { scope: "stage", source: "/etc" }, /must be relative/],
    ["NUL", { scope: "project", source: "a\u0000b" }, /control characters/],
    ["absolute without roots", { scope: "absolute", source: "/srv/data" }, /absolute host paths are disabled/],
  ];
  it.each(attempts)("refuses %s at create, naming the volume, and stores nothing", async (_, volume, reason) => {
    const before = await db.workload.count();
    await expect(makeWorkload({ name: "bad", volumes: [{ target: "/data", ...volume }] })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(new RegExp(`Volume "/data": .*${reason.source}`)),
    });
    expect(await db.workload.count()).toBe(before);
  });

  it("refuses a symlinked parent pointing outside, at create and at deploy", async () => {
    const outside = await fs.mkdtemp(path.join(os.tmpdir(), "berth-outside-"));
    const { project, stage } = await makeStage();
    await fs.mkdir(stageDir(project.slug), { recursive: true });
    await fs.symlink(outside, stageDir(project.slug, "link"));
    const { createWorkload } = await import("~/server/engine/workloads/workloads");
    await expect(
      createWorkload(engineDeps, testActor, {
        projectId: project.id,
        stageId: stage.id,
        name: "sym",
        image: inject("testImage"),
        command: [],
        env: [],
        ports: [],
        restartPolicy: "no",
        labels: {},
        volumes: [{ target: "/data", scope: "stage", source: "link/data" }],
      }),
    ).rejects.toThrow(/Volume "\/data": source leads outside its base folder through a symlink/);

    // Config that was valid when saved, then the folder was swapped for a symlink: deploy re-checks.
    const w = await makeWorkload({ name: "ok", volumes: [{ target: "/data", scope: "stage", source: "fine" }] });
    await fs.mkdir(stageDir(w.projectSlug), { recursive: true });
    await fs.symlink(outside, stageDir(w.projectSlug, "fine"));
    await expect(deployWorkload(engineDeps, testActor, w.id)).rejects.toThrow(/through a symlink/);
    expect((await getWorkload(engineDeps, testActor, w.id)).status.state).toBe("missing");
    expect(await fs.readdir(outside)).toEqual([]);
    await fs.rm(outside, { recursive: true });
  });

  it("re-checks stored config at deploy: a tampered row cannot escape", async () => {
    const w = await makeWorkload({ name: "tamper", volumes: [{ target: "/data", scope: "stage", source: "ok" }] });
    await db.workload.update({
      where: { id: w.id },
      data: { volumes: JSON.stringify([{ target: "/data", scope: "stage", source: "../../../../etc" }]) },
    });
    await expect(deployWorkload(engineDeps, testActor, w.id)).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect((await getWorkload(engineDeps, testActor, w.id)).status.state).toBe("missing");
  });

  it("accepts an absolute volume inside a configured root only", async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), "berth-root-"));
    const deps: EngineDeps = { ...engineDeps, absoluteRoots: [root] };
    const { project, stage } = await makeStage();
    const base = {
      projectId: project.id,
      stageId: stage.id,
      image: inject("testImage"),
      command: longRunning("echo abs > /data/f"),
      env: [],
      ports: [],
      restartPolicy: "no" as const,
      labels: {},
    };
    const { createWorkload } = await import("~/server/engine/workloads/workloads");
    await expect(
      createWorkload(deps, testActor, {
        ...base,
        name: "outside",
        volumes: [{ target: "/data", scope: "absolute", source: "/var/tmp/x" }],
      }),
    ).rejects.toThrow(/outside the allowed absolute roots/);
    const w = await createWorkload(deps, testActor, {
      ...base,
      name: "inside",
      volumes: [{ target: "/data", scope: "absolute", source: `${root}/app` }],
    });
    await deployWorkload(deps, testActor, w.id);
    expect(await waitForFile(path.join(root, "app/f"))).toBe("abs\n");
    await deleteWorkload(deps, testActor, { id: w.id, deleteData: false });
    await fs.rm(root, { recursive: true });
  });
});

describe("per-workload lock", () => {
  it("runs 20 concurrent deploys of one workload one at a time while another workload deploys in parallel", async () => {
    const events: { workload: string; call: string; phase: "begin" | "end"; at: number }[] = [];
    const record = (workload: string, call: string, run: () => Promise<unknown>) => async () => {
      events.push({ workload, call, phase: "begin", at: performance.now() });
      try {
        return await run();
      } finally {
        events.push({ workload, call, phase: "end", at: performance.now() });
      }
    };
    // Delegates to the real runtime and records each call's span, keyed by container name.
    const real = engineDeps.runtime;
    const recording: ContainerRuntime = {
      ...real,
      recreate: (spec) => record(spec.name, "recreate", () => real.recreate(spec))() as ReturnType<ContainerRuntime["recreate"]>,
    };
    const deps: EngineDeps = { ...engineDeps, runtime: recording };
    const a = await makeWorkload({ name: "busy" });
    const b = await makeWorkload({ name: "other" });

    await Promise.all([...Array.from({ length: 20 }, () => deployWorkload(deps, testActor, a.id)), deployWorkload(deps, testActor, b.id)]);

    const spansOf = (name: string) => {
      const list = events.filter((e) => e.workload === name);
      const spans: [number, number][] = [];
      for (let i = 0; i < list.length; i += 2) {
        expect(list[i]!.phase).toBe("begin");
        expect(list[i + 1]!.phase).toBe("end"); // the next event is this call's end: no overlap
        spans.push([list[i]!.at, list[i + 1]!.at]);
      }
      return spans;
    };
    expect(spansOf(a.containerName)).toHaveLength(20);
    const [bSpan] = spansOf(b.containerName);
    // The other workload's deploy ran while the first one's queue was still being worked through.
    const aSpans = spansOf(a.containerName);
    expect(bSpan![0]).toBeLessThan(aSpans.at(-1)![0]);

    const containers = await docker.listContainers({ all: true, filters: { label: [`berth.workload=${a.id}`] } });
    expect(containers).toHaveLength(1);
    expect(containers[0]!.State).toBe("running");
  });
});

describe("role matrix for workload, project and stage procedures", () => {
  it("gives each identity the expected outcome", async () => {
    const ids = await createIdentities(engineDeps);
    const fresh = async () => makeWorkload({ name: `m${Math.random().toString(36).slice(2, 8)}` });
    const stageFor = async () => makeStage();
    let n = 0;
    const entries: Record<string, MatrixEntry> = {
      "workload.list": { role: "VIEWER", input: () => undefined },
      "workload.get": { role: "VIEWER", input: async () => ({ id: (await fresh()).id }) },
      "workload.logs": { role: "VIEWER", input: async () => ({ id: (await fresh()).id }) },
      "workload.create": {
        role: "ADMIN",
        input: async () => {
          const { project, stage } = await stageFor();
          return { projectId: project.id, stageId: stage.id, name: "made", image: inject("testImage") };
        },
      },
      "workload.update": {
        role: "ADMIN",
        input: async () => ({ id: (await fresh()).id, image: inject("testImage"), command: longRunning("true") }),
      },
      "workload.delete": { role: "ADMIN", input: async () => ({ id: (await fresh()).id }) },
      "workload.deploy": { role: "ADMIN", input: async () => ({ id: (await fresh()).id }) },
      "workload.stop": { role: "ADMIN", input: async () => ({ id: (await fresh()).id }) },
      "workload.start": { role: "ADMIN", input: async () => ({ id: (await fresh()).id }) },
      "project.list": { role: "VIEWER", input: () => undefined },
      "project.create": { role: "ADMIN", input: () => ({ slug: `rm${++n}-${process.pid % 1000}` }) },
      "project.rename": { role: "ADMIN", input: async () => ({ id: (await stageFor()).project.id, name: "Renamed" }) },
      "project.delete": { role: "ADMIN", input: async () => ({ id: (await stageFor()).project.id }) },
      "stage.list": { role: "VIEWER", input: async () => ({ projectId: (await stageFor()).project.id }) },
      "stage.create": { role: "ADMIN", input: async () => ({ projectId: (await stageFor()).project.id, slug: "staging" }) },
      "stage.rename": { role: "ADMIN", input: async () => ({ id: (await stageFor()).stage.id, name: "Prod" }) },
      "stage.delete": { role: "ADMIN", input: async () => ({ id: (await stageFor()).stage.id }) },
    };
    expect(Object.keys(entries).sort()).toEqual(
      allProcedurePaths().filter(
        (p) => /^(workload|project|stage)\./.test(p) && !WORKLOAD_EVENT_PROCEDURES.includes(p) && !CONTAINER_STATS_PROCEDURES.includes(p),
      ),
    );
    const outcomes = await runRoleMatrix(entries, ids.headers);
    for (const [p, byIdentity] of Object.entries(outcomes)) {
      expect(byIdentity.admin.ok, `${p} as admin: ${JSON.stringify(byIdentity.admin)}`).toBe(true);
      expect(byIdentity.adminToken.ok, `${p} as admin token`).toBe(true);
    }
  });

  it("masks secret env values for viewers, not for admins", async () => {
    const ids = await createIdentities(engineDeps);
    const w = await makeWorkload({
      name: "secret",
      env: [
        { key: "DB_PASSWORD", value: "hunter2", secret: true },
        { key: "MODE", value: "prod", secret: false },
      ],
    });
    const { callerFor } = await import("../support/identities");
    const asViewer = await (await callerFor(ids.headers.viewer)).workload.get({ id: w.id });
    expect(asViewer.env).toEqual([
      { key: "DB_PASSWORD", value: "••••••", secret: true },
      { key: "MODE", value: "prod", secret: false },
    ]);
    expect(JSON.stringify(asViewer)).not.toContain("hunter2");
    expect(asViewer.volumePreview.every((v) => v.hostPath === undefined)).toBe(true);
    const asAdmin = await (await callerFor(ids.headers.admin)).workload.get({ id: w.id });
    expect(asAdmin.env[0]!.value).toBe("hunter2");
    // Sending the mask back keeps the stored secret.
    await (await callerFor(ids.headers.admin)).workload.update({ id: w.id, image: w.image, env: asViewer.env });
    expect((await (await callerFor(ids.headers.admin)).workload.get({ id: w.id })).env[0]!.value).toBe("hunter2");
  });
});
