// The workload rules of src/server/engine/workloads/workloads.ts, driven through the real
// engine functions with a real SQLite database and the in-memory container runtime: no Docker
// engine needed. test/integration/workloads.test.ts runs the same functions on a real engine.
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createEngineDeps } from "~/server/create-engine-deps";
import { type Actor, systemActor } from "~/server/engine/actor";
import { MANAGED_VOLUME_LABEL } from "~/server/engine/container-runtime";
import type { EngineDeps } from "~/server/engine/deps";
import { createJournal } from "~/server/engine/restore/journal";
import { createProject, createStage } from "~/server/engine/workloads/projects";
import type { WorkloadSettings } from "~/server/engine/workloads/workload-config";
import {
  createWorkload,
  deleteWorkload,
  deployWorkload,
  getWorkload,
  startWorkload,
  stopWorkload,
  updateWorkload,
} from "~/server/engine/workloads/workloads";
import { workloadLogs } from "~/server/engine/workloads/workload-logs";
import type { VolumeSpec } from "~/server/engine/volumes";
import { engineSettingsFromEnv } from "~/server/settings";
import { SECRET_MASK } from "~/shared/secret-mask";
import { MemoryRuntime } from "../support/memory-runtime";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

const IMAGE = "berth-test/app:1";
const admin = systemActor("rules-test");
const viewer: Actor = { kind: "user", userId: "viewer-id", label: "viewer@example.com", role: "VIEWER" };

let database: TestDatabase;
let absoluteRoot: string;
let runtime: MemoryRuntime;
let deps: EngineDeps;

function depsWith(overrides: { absoluteRoots?: string[]; allowForeignVolumes?: boolean } = {}): EngineDeps {
  const settings = engineSettingsFromEnv({ BERTH_DATA_DIR: database.dataDir, BERTH_ABSOLUTE_ROOTS: absoluteRoot });
  return createEngineDeps(database.db, { ...settings, ...overrides }, { runtime });
}

beforeAll(async () => {
  database = await createTestDatabase();
  absoluteRoot = await fs.mkdtemp(path.join(os.tmpdir(), "berth-root-"));
}, 60_000);

afterAll(async () => {
  await database?.close();
  if (absoluteRoot) await fs.rm(absoluteRoot, { recursive: true, force: true });
});

beforeEach(() => {
  runtime = new MemoryRuntime([IMAGE]);
  deps = depsWith();
});

let counter = 0;
/** A fresh project with a `production` stage, so no test sees another's folders. */
async function makeStage() {
  const project = await createProject(deps, admin, { slug: `p${++counter}` });
  const stage = await createStage(deps, admin, { projectId: project.id, slug: "production" });
  return { project, stage };
}

function settings(overrides: Partial<WorkloadSettings> = {}): WorkloadSettings {
  return { image: IMAGE, command: [], env: [], ports: [], restartPolicy: "no", volumes: [], labels: {}, ...overrides };
}

async function makeWorkload(overrides: Partial<WorkloadSettings> & { name?: string } = {}, where?: Awaited<ReturnType<typeof makeStage>>) {
  const { project, stage } = where ?? (await makeStage());
  const { name = "app", ...rest } = overrides;
  return createWorkload(deps, admin, { projectId: project.id, stageId: stage.id, name, ...settings(rest) });
}

const volume = (target: string, scope: VolumeSpec["scope"], source: string): VolumeSpec => ({ target, scope, source });

/** Saves new settings, with or without the redeploy the form offers. */
const update = (id: string, overrides: Partial<WorkloadSettings>, redeploy: boolean) =>
  updateWorkload(deps, admin, { ...settings(overrides), id, redeploy });

const auditFor = (target: string) => database.db.auditEvent.findMany({ where: { target }, orderBy: { at: "asc" } });

describe("volume validation", () => {
  it("refuses a source with '..' and saves nothing", async () => {
    const { project, stage } = await makeStage();
    const input = { projectId: project.id, stageId: stage.id, name: "escape" };
    const escaping = settings({ volumes: [volume("/data", "stage", "a/../../x")] });
    await expect(createWorkload(deps, admin, { ...input, ...escaping })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: 'Volume "/data": source must not contain ".."',
    });
    expect(await database.db.workload.count({ where: { stageId: stage.id } })).toBe(0);
  });

  it("refuses absolute sources when no roots are configured, and outside the roots", async () => {
    const inside = path.join(absoluteRoot, "app-data");
    const noRoots = depsWith({ absoluteRoots: [] });
    const { project, stage } = await makeStage();
    const input = { projectId: project.id, stageId: stage.id, name: "abs" };
    const absolute = (source: string) => ({ ...input, ...settings({ volumes: [volume("/d", "absolute", source)] }) });
    await expect(createWorkload(noRoots, admin, absolute(inside))).rejects.toThrow(
      'Volume "/d": absolute host paths are disabled; set BERTH_ABSOLUTE_ROOTS to the folders they may use',
    );
    await expect(createWorkload(deps, admin, absolute("/srv/elsewhere"))).rejects.toThrow(
      'Volume "/d": source is outside the allowed absolute roots',
    );
    const created = await createWorkload(deps, admin, absolute(inside));
    expect(created.volumePreview).toEqual([{ target: "/d", scope: "absolute", source: inside, readOnly: false, hostPath: inside }]);
  });
});

describe("bind folders of different workloads", () => {
  it("refuses a volume nested in another workload's folder, allows a shared project folder", async () => {
    const where = await makeStage();
    await makeWorkload({ name: "first", volumes: [volume("/data", "stage", "data"), volume("/common", "project", "common")] }, where);
    await expect(makeWorkload({ name: "second", volumes: [volume("/inner", "stage", "data/inner")] }, where)).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message:
        `Volume "/inner": its folder lies inside the folder of volume /data of workload ${where.project.slug}/production/first; ` +
        "volumes may not nest",
    });
    await expect(makeWorkload({ name: "third", volumes: [volume("/data", "stage", "data")] }, where)).rejects.toThrow(
      /already used by volume \/data of workload .*only project volumes may share a folder/,
    );
    const sharing = await makeWorkload({ name: "fourth", volumes: [volume("/common", "project", "common")] }, where);
    expect(sharing.volumes).toHaveLength(1);
  });

  it("a folder a container still mounts stays claimed after its workload's config dropped it", async () => {
    const where = await makeStage();
    const old = await makeWorkload({ name: "old", volumes: [volume("/data", "stage", "data")] }, where);
    await deployWorkload(deps, admin, old.id);
    // Saved without a redeploy: the container keeps mounting stage/data.
    await update(old.id, { volumes: [volume("/data", "stage", "moved")] }, false);
    const next = { name: "next", volumes: [volume("/data", "stage", "data")] };
    await expect(makeWorkload(next, where)).rejects.toThrow(`workload ${where.project.slug}/production/old (its current container)`);
    await deployWorkload(deps, admin, old.id); // the redeploy lets the folder go
    expect((await makeWorkload(next, where)).volumes).toHaveLength(1);
  });
});

describe("named volumes", () => {
  it("creates a missing one with Berth's label and mounts it", async () => {
    const w = await makeWorkload({ volumes: [volume("/v", "named", "fresh-vol")] });
    await deployWorkload(deps, admin, w.id);
    expect(runtime.volumes.get("fresh-vol")).toEqual({ [MANAGED_VOLUME_LABEL]: "1" });
    expect(runtime.owned(w.id)[0]?.mounts).toEqual([{ type: "volume", source: "fresh-vol", target: "/v", readOnly: false }]);
  });

  it("refuses another program's volume unless foreign volumes are allowed", async () => {
    runtime.volumes.set("their-vol", { "com.example.owner": "someone" });
    const w = await makeWorkload({ volumes: [volume("/v", "named", "their-vol")] });
    await expect(deployWorkload(deps, admin, w.id)).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("the Docker volume their-vol was not created by Berth"),
    });
    expect(runtime.owned(w.id)).toEqual([]);
    expect(runtime.volumes.get("their-vol")).toEqual({ "com.example.owner": "someone" });

    const allowing = depsWith({ allowForeignVolumes: true });
    expect((await deployWorkload(allowing, admin, w.id)).status.state).toBe("running");
  });
});

describe("deploy", () => {
  it("starts a container with the workload's label, plain env and resolved binds, and records it", async () => {
    const w = await makeWorkload({
      env: [
        { key: "TOKEN", value: "s3cret", secret: true },
        { key: "MODE", value: "prod", secret: false },
      ],
      volumes: [volume("/data", "stage", "data")],
    });
    const view = await deployWorkload(deps, admin, w.id);
    expect(view.status.state).toBe("running");
    const [container] = runtime.owned(w.id);
    expect(container).toMatchObject({ name: view.containerName, image: IMAGE, env: { TOKEN: "s3cret", MODE: "prod" } });
    const folder = path.join(deps.dataDir, "volumes/projects", w.projectSlug, "stages/production/data");
    expect(container?.mounts).toEqual([{ type: "bind", source: folder, target: "/data", readOnly: false }]);
    expect((await fs.stat(folder)).isDirectory()).toBe(true);
    expect(await auditFor(view.containerName)).toMatchObject([{ action: "workload.deploy", outcome: "success", actor: "rules-test" }]);
  });

  it("leaves a foreign container that holds the name alone, and audits the failure", async () => {
    const w = await makeWorkload();
    const foreign = runtime.addForeignContainer(w.containerName);
    await expect(deployWorkload(deps, admin, w.id)).rejects.toMatchObject({ code: "CONFLICT", reason: "container-name-taken" });
    expect(runtime.containers).toEqual([foreign]);
    const [event] = await auditFor(w.containerName);
    expect(event).toMatchObject({ action: "workload.deploy", outcome: "failure" });
    expect(JSON.parse(event?.detail ?? "{}").message).toMatch(/already exists and was not created by Berth/);
  });

  it("reports an image that is not on the host", async () => {
    const w = await makeWorkload({ image: "registry.invalid/none:1" });
    await expect(deployWorkload(deps, admin, w.id)).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: "Image registry.invalid/none:1 is not on this host and could not be pulled",
    });
    expect(runtime.owned(w.id)).toEqual([]);
  });

  it("is refused while a restore journal of the workload is pending, until its workloads are up", async () => {
    const w = await makeWorkload();
    const journal = await createJournal(deps.dataDir, {
      type: "INTENT",
      version: 2,
      restoreId: `r-${w.id}`,
      workloadId: w.id,
      snapshotId: "s1",
      preRestoreSnapshotId: "s0",
      volumes: [],
    });
    try {
      for (const action of [deployWorkload, startWorkload]) {
        await expect(action(deps, admin, w.id)).rejects.toMatchObject({
          code: "PRECONDITION_FAILED",
          message: expect.stringContaining("A restore of this workload's data did not finish"),
        });
      }
      await expect(update(w.id, { command: ["x"] }, true)).rejects.toMatchObject({ code: "PRECONDITION_FAILED" });
      expect(runtime.owned(w.id)).toEqual([]);
      await journal.append({ type: "UP" });
      expect((await deployWorkload(deps, admin, w.id)).status.state).toBe("running");
    } finally {
      await journal.remove();
    }
  });
});

describe("stop, start, logs and delete", () => {
  it("follows the container through its life", async () => {
    const w = await makeWorkload({ volumes: [volume("/data", "stage", "life")] });
    expect(w.status).toEqual({ state: "missing" });
    expect((await startWorkload(deps, admin, w.id)).status.state).toBe("running"); // no container yet: start deploys
    const [container] = runtime.owned(w.id);
    if (!container) throw new Error("no container");
    container.logs = "one\ntwo\nthree\n";
    expect((await workloadLogs(deps, admin, { id: w.id, tail: 2 })).map((l) => l.text)).toEqual(["two", "three"]);

    expect((await stopWorkload(deps, admin, w.id)).status).toMatchObject({ state: "exited", exitCode: 0 });
    expect((await database.db.workload.findUniqueOrThrow({ where: { id: w.id } })).desiredState).toBe("stopped");
    expect((await startWorkload(deps, admin, w.id)).status.state).toBe("running");
    expect(runtime.owned(w.id)).toEqual([container]); // the same container, started again

    await expect(deleteWorkload(deps, admin, { id: w.id, deleteData: true, confirmName: "nope" })).rejects.toThrow(
      "confirm by typing the workload name (app)",
    );
    await deleteWorkload(deps, admin, { id: w.id, deleteData: true, confirmName: "app" });
    expect(runtime.owned(w.id)).toEqual([]);
    await expect(fs.stat(container.mounts[0]?.source ?? "")).rejects.toMatchObject({ code: "ENOENT" });
    await expect(getWorkload(deps, admin, w.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await auditFor(w.containerName)).map((e) => [e.action, e.outcome])).toEqual([
      ["workload.start", "success"],
      ["workload.stop", "success"],
      ["workload.start", "success"],
      ["workload.delete", "success"],
    ]);
  });

  it("starting a container whose mounts differ from the config recreates it", async () => {
    const w = await makeWorkload({ volumes: [volume("/data", "stage", "a")] });
    await deployWorkload(deps, admin, w.id);
    const before = runtime.owned(w.id)[0]?.id;
    await update(w.id, { volumes: [volume("/data", "stage", "b")] }, false);
    await stopWorkload(deps, admin, w.id);
    await startWorkload(deps, admin, w.id);
    const after = runtime.owned(w.id);
    expect(after).toHaveLength(1);
    expect(after[0]?.id).not.toBe(before);
    expect(after[0]?.mounts[0]?.source).toMatch(/stages\/production\/b$/);
  });
});

describe("status reporting", () => {
  it("an unreachable engine is a reason code, never Docker's text; saving still works", async () => {
    runtime.reachable = false;
    const w = await makeWorkload({ volumes: [volume("/data", "stage", "data")] });
    expect(w.status).toEqual({ state: "unreachable", reason: "docker-unreachable" });
    // The logs panel says why it has no lines, with a code, rather than showing an empty log.
    await expect(workloadLogs(deps, viewer, { id: w.id })).rejects.toMatchObject({ code: "PRECONDITION_FAILED", reason: "action-failed" });
    await expect(stopWorkload(deps, admin, w.id)).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: "Stopping the container failed: The Docker engine could not be reached",
    });

    runtime.reachable = true;
    runtime.failNext("inspect", Object.assign(new Error("Docker says: /var/lib/docker is broken"), { statusCode: 500 }));
    const view = await getWorkload(deps, viewer, w.id);
    expect(view.status).toEqual({ state: "unreachable", reason: "docker-error" });
    expect(JSON.stringify(view)).not.toContain("/var/lib/docker");
  });
});

describe("secrets in views", () => {
  it("viewers see the mask, admins the value; the database never holds it in clear; the mask keeps it", async () => {
    const env = [
      { key: "API_KEY", value: "hunter2", secret: true },
      { key: "PLAIN", value: "visible", secret: false },
    ];
    const w = await makeWorkload({ env });
    expect((await getWorkload(deps, viewer, w.id)).env).toEqual([
      { key: "API_KEY", value: SECRET_MASK, secret: true },
      { key: "PLAIN", value: "visible", secret: false },
    ]);
    expect((await getWorkload(deps, admin, w.id)).env[0]).toEqual({ key: "API_KEY", value: "hunter2", secret: true });
    expect((await database.db.workload.findUniqueOrThrow({ where: { id: w.id } })).env).not.toContain("hunter2");

    // An admin form sends the mask back for an unchanged secret: the stored value stays.
    await update(w.id, { env: [{ key: "API_KEY", value: SECRET_MASK, secret: true }] }, true);
    expect(runtime.owned(w.id)[0]?.env).toEqual({ API_KEY: "hunter2" });
  });
});
