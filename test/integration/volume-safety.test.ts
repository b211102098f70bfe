// Issue #11, items 1, 3 and 8, on the real test engine: nested binds (the host escape),
// real paths handed to Docker, structured mounts, unambiguous container names, containers and
// named volumes Berth did not create.
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, inject, it } from "vitest";
import { createDockerClient } from "~/server/docker/client";
import { db } from "~/server/db";
import { engineDeps } from "~/server/engine-deps";
import { createProject, createStage } from "~/server/engine/workloads/projects";
import {
  createWorkload,
  deployWorkload,
  getWorkload,
  removeNestedContainers,
  startWorkload,
  stopWorkload,
  updateWorkload,
} from "~/server/engine/workloads/workloads";
import { removeWorkloadContainersAfterAll } from "../support/container-cleanup";
import { longRunning, makeStage, makeWorkload, testActor } from "../support/workload-fixtures";
import type { EngineDeps } from "~/server/engine/deps";

removeWorkloadContainersAfterAll();
const docker = createDockerClient(inject("dockerHost"));

const settings = (over: Partial<Parameters<typeof createWorkload>[2]> = {}) => ({
  image: inject("testImage"),
  command: longRunning("true"),
  env: [],
  ports: [],
  restartPolicy: "no" as const,
  volumes: [],
  labels: {},
  ...over,
});

async function exec(containerName: string, script: string): Promise<string> {
  const e = await docker.getContainer(containerName).exec({ Cmd: ["sh", "-c", script], AttachStdout: true, AttachStderr: true });
  const stream = await e.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  const sink = new PassThrough().on("data", (c: Buffer) => chunks.push(c));
  docker.modem.demuxStream(stream, sink, sink);
  await new Promise((resolve) => stream.on("end", resolve));
  return Buffer.concat(chunks).toString("utf8");
}

describe("nested binds: the host escape", () => {
  it("refuses a volume nested in another of the same workload, at create", async () => {
    const before = await db.workload.count();
    await expect(
      makeWorkload({
        name: "nested",
        volumes: [
          { target: "/data", scope: "project", source: "app" },
          { target: "/cache", scope: "project", source: "app/cache" },
        ],
      }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/Volume "\/data": its folder contains the folder of volume \/cache of this workload/),
    });
    expect(await db.workload.count()).toBe(before);
  });

  it("refuses a volume nested in another workload's, at create and at update", async () => {
    const { project, stage } = await makeStage();
    const a = await createWorkload(engineDeps, testActor, {
      projectId: project.id,
      stageId: stage.id,
      name: "a",
      ...settings({ volumes: [{ target: "/data", scope: "project", source: "app" }] }),
    });
    await expect(
      createWorkload(engineDeps, testActor, {
        projectId: project.id,
        stageId: stage.id,
        name: "b",
        ...settings({ volumes: [{ target: "/cache", scope: "project", source: "app/cache" }] }),
      }),
    ).rejects.toThrow(/Volume "\/cache": its folder lies inside the folder of volume \/data of workload .*\/production\/a/);
    // The same folder, shared on purpose as a project volume, is fine.
    const b = await createWorkload(engineDeps, testActor, {
      projectId: project.id,
      stageId: stage.id,
      name: "b",
      ...settings({ volumes: [{ target: "/data", scope: "project", source: "app" }] }),
    });
    const { updateWorkload } = await import("~/server/engine/workloads/workloads");
    await expect(
      updateWorkload(engineDeps, testActor, {
        ...settings({ volumes: [{ target: "/all", scope: "project", source: "app/.." }] }),
        id: b.id,
        redeploy: false,
      }),
    ).rejects.toThrow(/"\.\."/);
    await expect(
      updateWorkload(engineDeps, testActor, {
        ...settings({
          volumes: [
            { target: "/data", scope: "project", source: "app" },
            { target: "/x", scope: "project", source: "app/x" },
          ],
        }),
        id: a.id,
        redeploy: false,
      }),
    ).rejects.toThrow(/volumes may not nest/);
  });

  it("a stored nested config (saved before the rule) cannot be deployed or started: the container never sees the host", async () => {
    const w = await makeWorkload({ name: "escape", volumes: [{ target: "/data", scope: "project", source: "app" }] });
    await deployWorkload(engineDeps, testActor, w.id);
    // The attack from the issue needs /cache nested under /data; write it the way an old version stored it.
    await db.workload.update({
      where: { id: w.id },
      data: {
        volumes: JSON.stringify([
          { target: "/data", scope: "project", source: "app" },
          { target: "/cache", scope: "project", source: "app/cache" },
        ]),
      },
    });
    await expect(deployWorkload(engineDeps, testActor, w.id)).rejects.toThrow(/volumes may not nest/);
    await stopWorkload(engineDeps, testActor, w.id);
    await expect(startWorkload(engineDeps, testActor, w.id)).rejects.toThrow(/volumes may not nest/);
    expect((await getWorkload(engineDeps, testActor, w.id)).status.state).not.toBe("running");
  });

  it("hands Docker the real path: a link swapped after deploy does not move the mount, even across a restart", async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), "berth-root-"));
    const outside = await fs.mkdtemp(path.join(os.tmpdir(), "berth-outside-"));
    await fs.writeFile(path.join(outside, "hostname"), "the host's file\n");
    await fs.mkdir(path.join(root, "real/app"), { recursive: true });
    await fs.writeFile(path.join(root, "real/app/mine.txt"), "mine\n");
    await fs.symlink(path.join(root, "real"), path.join(root, "link"));
    const deps: EngineDeps = { ...engineDeps, absoluteRoots: [root] };
    const { project, stage } = await makeStage();
    const w = await createWorkload(deps, testActor, {
      projectId: project.id,
      stageId: stage.id,
      name: "linked",
      ...settings({ volumes: [{ target: "/data", scope: "absolute", source: `${root}/link/app` }] }),
    });
    await deployWorkload(deps, testActor, w.id);
    const info = await docker.getContainer(w.containerName).inspect();
    expect(info.HostConfig.Binds ?? []).toEqual([]);
    expect(info.Mounts.map((m) => [m.Type, m.Source, m.Destination])).toEqual([
      ["bind", path.join(await fs.realpath(root), "real/app"), "/data"],
    ]);

    // The link now points outside; Docker restarts the container from what it was handed.
    await fs.rm(path.join(root, "link"));
    await fs.symlink(outside, path.join(root, "link"));
    await docker.getContainer(w.containerName).restart({ t: 1 });
    expect(await exec(w.containerName, "cat /data/mine.txt; ls /data")).toBe("mine\nmine.txt\n");
    await fs.rm(root, { recursive: true });
    await fs.rm(outside, { recursive: true });
  });

  it("creates missing folders without following a link planted on the way", async () => {
    const w = await makeWorkload({ name: "planted", volumes: [{ target: "/data", scope: "stage", source: "deep/data" }] });
    const outside = await fs.mkdtemp(path.join(os.tmpdir(), "berth-outside-"));
    const stageDir = path.join(engineDeps.dataDir, "volumes/projects", w.projectSlug, "stages/production");
    await fs.mkdir(stageDir, { recursive: true });
    // Resolution sees no link yet; between that and the mkdir, `deep` becomes one.
    await fs.symlink(outside, path.join(stageDir, "deep"));
    await expect(deployWorkload(engineDeps, testActor, w.id)).rejects.toThrow(/symlink/);
    expect(await fs.readdir(outside)).toEqual([]);
    await fs.rm(outside, { recursive: true });
  });

  it("refuses to mount through a folder of Berth's that others may write", async () => {
    const w = await makeWorkload({ name: "worldw", volumes: [{ target: "/data", scope: "stage", source: "x/data" }] });
    const dir = path.join(engineDeps.dataDir, "volumes/projects", w.projectSlug, "stages/production/x");
    await fs.mkdir(dir, { recursive: true });
    await fs.chmod(dir, 0o777);
    await expect(deployWorkload(engineDeps, testActor, w.id)).rejects.toThrow(/not owned by Berth or is writable by others/);
    await fs.chmod(dir, 0o755);
    await deployWorkload(engineDeps, testActor, w.id);
    expect((await getWorkload(engineDeps, testActor, w.id)).status.state).toBe("running");
  });
});

describe("what containers mount now, not only what configs say", () => {
  it("a folder still mounted by a container (config saved without a redeploy) cannot be nested into; start recreates such a container", async () => {
    const { project, stage } = await makeStage();
    const a = await createWorkload(engineDeps, testActor, {
      projectId: project.id,
      stageId: stage.id,
      name: "a",
      ...settings({ volumes: [{ target: "/cache", scope: "project", source: "app/cache" }] }),
    });
    await deployWorkload(engineDeps, testActor, a.id);
    await updateWorkload(engineDeps, testActor, {
      ...settings({ volumes: [{ target: "/cache", scope: "project", source: "zzz" }] }),
      id: a.id,
      redeploy: false,
    });
    await expect(
      createWorkload(engineDeps, testActor, {
        projectId: project.id,
        stageId: stage.id,
        name: "b",
        ...settings({ volumes: [{ target: "/data", scope: "project", source: "app" }] }),
      }),
    ).rejects.toThrow(/contains the folder of volume .*app\/cache of workload .*\/a \(its current container\)/);

    await stopWorkload(engineDeps, testActor, a.id);
    await startWorkload(engineDeps, testActor, a.id);
    const info = await docker.getContainer(a.containerName).inspect();
    expect(info.Mounts.map((m) => path.basename(m.Source))).toEqual(["zzz"]);
    // Now that nothing mounts app/cache any more, app is free.
    await createWorkload(engineDeps, testActor, {
      projectId: project.id,
      stageId: stage.id,
      name: "b",
      ...settings({ volumes: [{ target: "/data", scope: "project", source: "app" }] }),
    });
  });

  it("at boot, removes a container (made by an older version) whose bind lies inside another container's", async () => {
    const { project } = await makeStage();
    const base = path.join(engineDeps.dataDir, "volumes/projects", project.slug, "shared");
    await fs.mkdir(path.join(base, "app/cache"), { recursive: true });
    const make = async (id: string, source: string) => {
      const c = await docker.createContainer({
        Image: inject("testImage"),
        Cmd: longRunning("true"),
        Labels: { "berth.workload": id },
        HostConfig: { NetworkMode: "none", Binds: [`${source}:/data`] },
      });
      await c.start();
      return c;
    };
    const outer = await make(`outer-${project.slug}`, path.join(base, "app"));
    const inner = await make(`inner-${project.slug}`, path.join(base, "app/cache"));
    const removed = await removeNestedContainers(engineDeps, testActor);
    expect(removed).toEqual([`inner-${project.slug}`]);
    await expect(inner.inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect((await outer.inspect()).State.Running).toBe(true);
    await outer.remove({ force: true });
  });

  it("a volume that no longer resolves still claims its folder", async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), "berth-root-"));
    const outside = await fs.mkdtemp(path.join(os.tmpdir(), "berth-outside-"));
    const deps: EngineDeps = { ...engineDeps, absoluteRoots: [root] };
    const { project, stage } = await makeStage();
    await createWorkload(deps, testActor, {
      projectId: project.id,
      stageId: stage.id,
      name: "x",
      ...settings({ volumes: [{ target: "/data", scope: "absolute", source: `${root}/a/b` }] }),
    });
    // x's folder becomes a link out of the root: x no longer resolves, and must still count.
    await fs.mkdir(path.join(root, "a"));
    await fs.symlink(outside, path.join(root, "a/b"));
    await expect(
      createWorkload(deps, testActor, {
        projectId: project.id,
        stageId: stage.id,
        name: "y",
        ...settings({ volumes: [{ target: "/data", scope: "absolute", source: `${root}/a` }] }),
      }),
    ).rejects.toThrow(/contains the folder of volume \/data of workload .*\/x/);
    await fs.rm(root, { recursive: true });
    await fs.rm(outside, { recursive: true });
  });

  it("refuses an absolute root that others may write, and a source that is the root through a link", async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), "berth-root-"));
    const deps: EngineDeps = { ...engineDeps, absoluteRoots: [root] };
    const { project, stage } = await makeStage();
    const w = await createWorkload(deps, testActor, {
      projectId: project.id,
      stageId: stage.id,
      name: "open",
      ...settings({ volumes: [{ target: "/data", scope: "absolute", source: `${root}/app` }] }),
    });
    await fs.chmod(root, 0o777);
    await expect(deployWorkload(deps, testActor, w.id)).rejects.toThrow(/not owned by Berth or is writable by others/);
    await fs.chmod(root, 0o755);
    await fs.symlink(root, path.join(root, "self"));
    await expect(
      createWorkload(deps, testActor, {
        projectId: project.id,
        stageId: stage.id,
        name: "self",
        ...settings({ volumes: [{ target: "/data", scope: "absolute", source: `${root}/self` }] }),
      }),
    ).rejects.toThrow(/not the root itself/);
    await fs.rm(root, { recursive: true });
  });
});

describe("mount option injection", () => {
  it.each([
    [{ target: "/data", scope: "stage" as const, source: "x:rshared" }],
    [{ target: "/data:ro", scope: "stage" as const, source: "x" }],
    [{ target: "/data", scope: "stage" as const, source: "x,bind-propagation=shared" }],
  ])("refuses %j at create", async (volume) => {
    await expect(makeWorkload({ name: "inject", volumes: [volume] })).rejects.toThrow(/must not contain ':' or ','/);
  });
});

describe("container names and ownership", () => {
  it("gives (a-b, c, d) and (a, b-c, d) different containers: deploying one leaves the other running", async () => {
    const tag = `q${process.pid % 10000}${Math.random().toString(36).slice(2, 6)}`;
    const p1 = await createProject(engineDeps, testActor, { slug: `${tag}-b` });
    const s1 = await createStage(engineDeps, testActor, { projectId: p1.id, slug: "c" });
    const p2 = await createProject(engineDeps, testActor, { slug: tag });
    const s2 = await createStage(engineDeps, testActor, { projectId: p2.id, slug: "b-c" });
    const one = await createWorkload(engineDeps, testActor, { projectId: p1.id, stageId: s1.id, name: "d", ...settings() });
    const two = await createWorkload(engineDeps, testActor, { projectId: p2.id, stageId: s2.id, name: "d", ...settings() });
    expect(one.containerName).not.toBe(two.containerName);
    await deployWorkload(engineDeps, testActor, one.id);
    await deployWorkload(engineDeps, testActor, two.id);
    expect((await getWorkload(engineDeps, testActor, one.id)).status.state).toBe("running");
    expect((await getWorkload(engineDeps, testActor, two.id)).status.state).toBe("running");
  });

  it("never touches a container it did not create, even one with the workload's name", async () => {
    const w = await makeWorkload({ name: "squatted" });
    const foreign = await docker.createContainer({
      name: w.containerName,
      Image: inject("testImage"),
      Cmd: longRunning("true"),
      HostConfig: { NetworkMode: "none" },
    });
    await foreign.start();
    try {
      await expect(deployWorkload(engineDeps, testActor, w.id)).rejects.toThrow(/was not created by Berth for this workload/);
      await stopWorkload(engineDeps, testActor, w.id);
      expect((await foreign.inspect()).State.Running).toBe(true);
      expect((await getWorkload(engineDeps, testActor, w.id)).status.state).toBe("missing");
    } finally {
      await foreign.remove({ force: true });
    }
  });

  it("moves a container with an older name to the new one on the next deploy", async () => {
    const w = await makeWorkload({ name: "renamed" });
    const old = await docker.createContainer({
      name: `berth-${w.projectSlug}-production-renamed`,
      Image: inject("testImage"),
      Cmd: longRunning("true"),
      Labels: { "berth.workload": w.id },
      HostConfig: { NetworkMode: "none" },
    });
    await old.start();
    // Found by its label: status and stop work on it before any redeploy.
    expect((await getWorkload(engineDeps, testActor, w.id)).status.state).toBe("running");
    await deployWorkload(engineDeps, testActor, w.id);
    const mine = await docker.listContainers({ all: true, filters: { label: [`berth.workload=${w.id}`] } });
    expect(mine.map((c) => c.Names)).toEqual([[`/${w.containerName}`]]);
  });
});

describe("named volumes", () => {
  it("creates its own named volumes, and mounts another program's only when allowed", async () => {
    const name = `berthtest${Math.random().toString(36).slice(2, 8)}`;
    const w = await makeWorkload({ name: "named", volumes: [{ target: "/v", scope: "named", source: `${name}-own` }] });
    await deployWorkload(engineDeps, testActor, w.id);
    expect((await docker.getVolume(`${name}-own`).inspect()).Labels).toMatchObject({ "berth.managed": "1" });

    await docker.createVolume({ Name: `${name}-foreign` });
    const f = await makeWorkload({ name: "foreign", volumes: [{ target: "/v", scope: "named", source: `${name}-foreign` }] });
    await expect(deployWorkload(engineDeps, testActor, f.id)).rejects.toThrow(
      /was not created by Berth; set BERTH_ALLOW_FOREIGN_VOLUMES=1/,
    );
    await deployWorkload({ ...engineDeps, allowForeignVolumes: true }, testActor, f.id);
    expect((await getWorkload(engineDeps, testActor, f.id)).status.state).toBe("running");
  });
});
