import fs from "node:fs/promises";
import type { Db } from "../../db";
import type { Actor } from "../actor";
import { recordAudit } from "../audit";
import type { ContainerRuntime, ContainerSpec, ContainerState } from "../container-runtime";
import { badRequest, conflict, DomainError, notFound } from "../errors";
import { assertLeaseFor, type KeyedLock, type LockLease } from "../keyed-lock";
import { isInside, resolveVolume, validateVolumeSpecs, type ResolvedVolume } from "../volumes";
import { settingsToColumns, workloadFromRow, type WorkloadConfig, type WorkloadSettings } from "./workload-config";

export interface WorkloadDeps {
  db: Db;
  runtime: ContainerRuntime;
  locks: KeyedLock;
  dataDir: string;
  absoluteRoots: string[];
}

export const SECRET_MASK = "••••••";
export const workloadLockKey = (workloadId: string) => `workload:${workloadId}`;

export async function loadWorkload(db: Db, id: string) {
  const row = await db.workload.findUnique({ where: { id }, include: { project: true, stage: true } });
  if (!row) throw notFound("Workload");
  return { config: workloadFromRow(row), project: row.project, stage: row.stage };
}
export type LoadedWorkload = Awaited<ReturnType<typeof loadWorkload>>;

export const containerName = (w: Pick<LoadedWorkload, "project" | "stage"> & { config: { name: string } }) =>
  `berth-${w.project.slug}-${w.stage.slug}-${w.config.name}`;

/** Every volume's host location, from the workload's current config. */
export async function resolveWorkloadVolumes(deps: WorkloadDeps, w: LoadedWorkload): Promise<ResolvedVolume[]> {
  const ctx = { dataDir: deps.dataDir, projectSlug: w.project.slug, stageSlug: w.stage.slug, absoluteRoots: deps.absoluteRoots };
  return Promise.all(w.config.volumes.map((v) => resolveVolume(v, ctx)));
}

function maskSecrets(config: WorkloadConfig): WorkloadConfig {
  return { ...config, env: config.env.map((e) => (e.secret ? { ...e, value: SECRET_MASK } : e)) };
}

async function safeInspect(runtime: ContainerRuntime, name: string): Promise<ContainerState> {
  try {
    return await runtime.inspect(name);
  } catch (error) {
    return { state: "unreachable", reason: (error as Error).message };
  }
}

export interface WorkloadView extends WorkloadConfig {
  projectSlug: string;
  stageSlug: string;
  containerName: string;
  status: ContainerState;
  busy: boolean;
  /** host paths only for admins; viewers see where the data lives by scope and source */
  volumePreview: { target: string; scope: string; source: string; readOnly: boolean; hostPath?: string }[];
}

async function toView(deps: WorkloadDeps, w: LoadedWorkload, isAdmin: boolean): Promise<WorkloadView> {
  const name = containerName(w);
  const resolved = isAdmin ? await resolveWorkloadVolumes(deps, w).catch(() => null) : null;
  return {
    ...(isAdmin ? w.config : maskSecrets(w.config)),
    projectSlug: w.project.slug,
    stageSlug: w.stage.slug,
    containerName: name,
    status: await safeInspect(deps.runtime, name),
    busy: deps.locks.isLocked(workloadLockKey(w.config.id)),
    volumePreview: w.config.volumes.map((v, i) => {
      const r = resolved?.[i];
      return { target: v.target, scope: v.scope, source: v.source, readOnly: !!v.readOnly, hostPath: r?.kind === "bind" ? r.hostPath : undefined };
    }),
  };
}

export async function listWorkloads(deps: WorkloadDeps, viewer: Actor): Promise<WorkloadView[]> {
  const rows = await deps.db.workload.findMany({ include: { project: true, stage: true }, orderBy: [{ projectId: "asc" }, { name: "asc" }] });
  return Promise.all(rows.map((row) => toView(deps, { config: workloadFromRow(row), project: row.project, stage: row.stage }, viewer.role === "ADMIN")));
}

export async function getWorkload(deps: WorkloadDeps, viewer: Actor, id: string): Promise<WorkloadView> {
  return toView(deps, await loadWorkload(deps.db, id), viewer.role === "ADMIN");
}

/** Checks volumes as a whole and resolves each (so a symlinked parent is refused now, not at deploy). */
async function checkVolumes(deps: WorkloadDeps, settings: WorkloadSettings, project: { slug: string }, stage: { slug: string }) {
  validateVolumeSpecs(settings.volumes, deps.absoluteRoots);
  const ctx = { dataDir: deps.dataDir, projectSlug: project.slug, stageSlug: stage.slug, absoluteRoots: deps.absoluteRoots };
  await Promise.all(settings.volumes.map((v) => resolveVolume(v, ctx)));
}

/** Admins may send the mask back for an unchanged secret; keep the stored value then. */
function keepMaskedSecrets(settings: WorkloadSettings, previous: WorkloadConfig | null): WorkloadSettings {
  return {
    ...settings,
    env: settings.env.map((e) => {
      if (e.value !== SECRET_MASK) return e;
      const old = previous?.env.find((p) => p.key === e.key);
      if (!old) throw badRequest(`Environment variable ${e.key} needs a value`);
      return { ...e, value: old.value };
    }),
  };
}

export async function createWorkload(
  deps: WorkloadDeps,
  actor: Actor,
  input: { projectId: string; stageId: string; name: string } & WorkloadSettings,
): Promise<WorkloadView> {
  const stage = await deps.db.stage.findUnique({ where: { id: input.stageId }, include: { project: true } });
  if (!stage || stage.projectId !== input.projectId) throw notFound("Stage");
  const { projectId: _p, stageId: _s, name, ...rawSettings } = input;
  const settings = keepMaskedSecrets(rawSettings, null);
  await checkVolumes(deps, settings, stage.project, stage);
  if (await deps.db.workload.findUnique({ where: { stageId_name: { stageId: stage.id, name } } })) {
    throw conflict(`A workload named ${name} already exists in ${stage.project.slug}/${stage.slug}`);
  }
  const row = await deps.db.workload.create({
    data: { projectId: stage.projectId, stageId: stage.id, name, sourceKind: "image", ...settingsToColumns(settings) },
  });
  await recordAudit(deps.db, actor, { action: "workload.create", target: `${stage.project.slug}/${stage.slug}/${name}`, outcome: "success" });
  return getWorkload(deps, actor, row.id);
}

export async function updateWorkload(
  deps: WorkloadDeps,
  actor: Actor,
  id: string,
  rawSettings: WorkloadSettings,
  opts: { redeploy: boolean },
): Promise<WorkloadView> {
  return deps.locks.run(workloadLockKey(id), async (lease) => {
    const w = await loadWorkload(deps.db, id);
    const settings = keepMaskedSecrets(rawSettings, w.config);
    await checkVolumes(deps, settings, w.project, w.stage);
    await deps.db.workload.update({ where: { id }, data: settingsToColumns(settings) });
    await recordAudit(deps.db, actor, { action: "workload.update", target: containerName(w), outcome: "success", detail: { redeploy: opts.redeploy } });
    if (opts.redeploy) await deployUnderLock(deps, actor, lease, id);
    return getWorkload(deps, actor, id);
  });
}

async function audited<T>(deps: WorkloadDeps, actor: Actor, action: string, target: string, work: () => Promise<T>): Promise<T> {
  try {
    const result = await work();
    await recordAudit(deps.db, actor, { action, target, outcome: "success" });
    return result;
  } catch (error) {
    await recordAudit(deps.db, actor, { action, target, outcome: "failure", detail: { message: (error as Error).message } });
    throw error;
  }
}

/** Container-engine failures become user-readable errors; the engine's own text is kept, it names no host paths of ours. */
async function runtimeCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw new DomainError("PRECONDITION_FAILED", `${what} failed: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * (Re)creates and starts the container. For callers that already hold the workload's lock
 * (update, restore): the lease proves it, so nothing re-locks and nothing can deadlock.
 */
export async function deployUnderLock(deps: WorkloadDeps, actor: Actor, lease: LockLease, id: string): Promise<void> {
  assertLeaseFor(lease, workloadLockKey(id));
  const w = await loadWorkload(deps.db, id);
  const volumes = await resolveWorkloadVolumes(deps, w);
  for (const v of volumes) if (v.kind === "bind") await fs.mkdir(v.hostPath, { recursive: true, mode: 0o755 });
  const spec: ContainerSpec = {
    name: containerName(w),
    image: w.config.image,
    command: w.config.command,
    env: Object.fromEntries(w.config.env.map((e) => [e.key, e.value])),
    binds: volumes.map((v) => `${v.kind === "bind" ? v.hostPath : v.volumeName}:${v.target}${v.readOnly ? ":ro" : ""}`),
    ports: w.config.ports,
    restartPolicy: w.config.restartPolicy,
    labels: { ...w.config.labels, "berth.workload": w.config.id, "berth.project": w.project.slug, "berth.stage": w.stage.slug },
  };
  await runtimeCall(`Pulling image ${spec.image}`, () => deps.runtime.ensureImage(spec.image));
  await runtimeCall("Starting the container", () => deps.runtime.recreate(spec));
  await deps.db.workload.update({ where: { id }, data: { desiredState: "running" } });
}

export async function deployWorkload(deps: WorkloadDeps, actor: Actor, id: string): Promise<WorkloadView> {
  const w = await loadWorkload(deps.db, id);
  await deps.locks.run(workloadLockKey(id), (lease) =>
    audited(deps, actor, "workload.deploy", containerName(w), () => deployUnderLock(deps, actor, lease, id)),
  );
  return getWorkload(deps, actor, id);
}

export async function stopWorkload(deps: WorkloadDeps, actor: Actor, id: string): Promise<WorkloadView> {
  const w = await loadWorkload(deps.db, id);
  await deps.locks.run(workloadLockKey(id), () =>
    audited(deps, actor, "workload.stop", containerName(w), async () => {
      await runtimeCall("Stopping the container", () => deps.runtime.stop(containerName(w)));
      await deps.db.workload.update({ where: { id }, data: { desiredState: "stopped" } });
    }),
  );
  return getWorkload(deps, actor, id);
}

export async function startWorkload(deps: WorkloadDeps, actor: Actor, id: string): Promise<WorkloadView> {
  const w = await loadWorkload(deps.db, id);
  await deps.locks.run(workloadLockKey(id), (lease) =>
    audited(deps, actor, "workload.start", containerName(w), async () => {
      // No container yet (never deployed, or removed by hand): starting means deploying.
      if ((await safeInspect(deps.runtime, containerName(w))).state === "missing") return deployUnderLock(deps, actor, lease, id);
      await runtimeCall("Starting the container", () => deps.runtime.start(containerName(w)));
      await deps.db.workload.update({ where: { id }, data: { desiredState: "running" } });
    }),
  );
  return getWorkload(deps, actor, id);
}

export async function deleteWorkload(
  deps: WorkloadDeps,
  actor: Actor,
  id: string,
  opts: { deleteData: boolean; confirmName?: string },
): Promise<{ deletedPaths: number }> {
  const w = await loadWorkload(deps.db, id);
  const snapshots = await deps.db.snapshot.count({ where: { workloadId: id } });
  if (snapshots > 0) {
    throw badRequest(`${w.config.name} has ${snapshots} snapshot(s); download what you want to keep and delete them first`);
  }
  if (opts.deleteData && opts.confirmName !== w.config.name) {
    throw badRequest(`To delete the data too, confirm by typing the workload name (${w.config.name})`);
  }
  return deps.locks.run(workloadLockKey(id), () =>
    audited(deps, actor, "workload.delete", containerName(w), async () => {
      await runtimeCall("Removing the container", () => deps.runtime.remove(containerName(w)));
      let deletedPaths = 0;
      if (opts.deleteData) {
        // Only folders that hold no other workload's data: a project-scoped volume may be shared.
        const mine = (await resolveWorkloadVolumes(deps, w)).filter((v) => v.kind === "bind");
        const others = await deps.db.workload.findMany({ where: { id: { not: id } }, include: { project: true, stage: true } });
        const otherPaths: string[] = [];
        for (const row of others) {
          const vols = await resolveWorkloadVolumes(deps, { config: workloadFromRow(row), project: row.project, stage: row.stage }).catch(() => []);
          for (const v of vols) if (v.kind === "bind") otherPaths.push(v.hostPath);
        }
        for (const v of mine) {
          if (v.kind !== "bind" || otherPaths.some((o) => isInside(v.hostPath, o) || isInside(o, v.hostPath))) continue;
          await fs.rm(v.hostPath, { recursive: true, force: true });
          deletedPaths++;
        }
      }
      await deps.db.workload.delete({ where: { id } });
      return { deletedPaths };
    }),
  );
}

export async function workloadLogs(deps: WorkloadDeps, id: string, tail = 200): Promise<string> {
  const w = await loadWorkload(deps.db, id);
  const state = await safeInspect(deps.runtime, containerName(w));
  if (state.state === "missing" || state.state === "unreachable") return "";
  return runtimeCall("Reading the logs", () => deps.runtime.logs(containerName(w), tail));
}
