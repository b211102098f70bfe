import path from "node:path";
import type { Db } from "~/server/db";
import type { Actor } from "../actor";
import { audited, recordAudit } from "../audit";
import { removeTree } from "../remove-tree";
import {
  MANAGED_VOLUME_LABEL,
  type ContainerRef,
  type ContainerRuntime,
  type ContainerSpec,
  type ContainerState,
} from "../container-runtime";
import { badRequest, conflict, DomainError, type ExplainedIssue, invalidFields, notFound } from "../errors";
import { causeParams, publicFailure, unreachableReason } from "../public-error";
import { assertLeaseFor, type LockLease } from "../keyed-lock";
import { journalState, listJournals, stoppedWith } from "../restore/journal";
import {
  findBindClashes,
  scopeBase,
  type VolumeSpec,
  isInside,
  prepareBindFolder,
  resolveVolume,
  volumeProblemError,
  volumeSpecIssues,
  type BindClaim,
  type ResolvedVolume,
} from "../volumes";
import {
  containerEnv,
  envForView,
  SECRET_MASK,
  settingsToColumns,
  workloadFromRow,
  type WorkloadConfig,
  type WorkloadSettings,
} from "./workload-config";
import type { EngineDeps } from "~/server/engine/deps";
import type { ContainerAction } from "~/shared/error-reasons";
import { type PortInUse, workloadFieldIssues } from "~/shared/workload-fields";
import { appliedConfigOf, type PendingChange, pendingState } from "./pending-changes";
import { lastDeployFailure, type WorkloadEventView, withWorkloadEvent } from "./workload-events";

export const workloadLockKey = (workloadId: string) => `workload:${workloadId}`;
/** Held by a restore for each folder it replaces; a deploy that would mount one meanwhile is refused. */
export const folderLockKey = (hostPath: string) => `folder:${hostPath}`;

export async function loadWorkload(db: Db, id: string) {
  const row = await db.workload.findUnique({ where: { id }, include: { project: true, stage: true } });
  if (!row) throw notFound("workload");
  return { config: workloadFromRow(row), project: row.project, stage: row.stage, appliedConfig: row.appliedConfig };
}
export type LoadedWorkload = Awaited<ReturnType<typeof loadWorkload>>;

// Slugs and names never contain '_', so the parts cannot run into each other
// ("a-b","c","d" and "a","b-c","d" used to give the same "berth-a-b-c-d").
export const containerName = (w: Pick<LoadedWorkload, "project" | "stage"> & { config: { name: string } }) =>
  `berth_${w.project.slug}_${w.stage.slug}_${w.config.name}`;

export const containerRef = (w: LoadedWorkload): ContainerRef => ({ name: containerName(w), workloadId: w.config.id });

/** Every volume's host location, from the workload's current config. */
export async function resolveWorkloadVolumes(deps: EngineDeps, w: LoadedWorkload): Promise<ResolvedVolume[]> {
  const ctx = { dataDir: deps.dataDir, projectSlug: w.project.slug, stageSlug: w.stage.slug, absoluteRoots: deps.absoluteRoots };
  return Promise.all(w.config.volumes.map((v) => resolveVolume(v, ctx)));
}

async function safeInspect(runtime: ContainerRuntime, ref: ContainerRef): Promise<ContainerState> {
  try {
    return await runtime.inspect(ref);
  } catch (error) {
    // Docker's text names the socket's host path: a code goes out, the health banner says more.
    return { state: "unreachable", reason: unreachableReason(error) };
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
  /** saved settings the container does not run yet (pending-changes.ts); null when none, or not known */
  pendingChanges: PendingChange[] | null;
  neverDeployed: boolean;
  /** the newest deploy/start/update failed: why, until one succeeds */
  lastDeployFailure: WorkloadEventView | null;
}

async function toView(deps: EngineDeps, w: LoadedWorkload, isAdmin: boolean): Promise<WorkloadView> {
  const name = containerName(w);
  const resolved = isAdmin ? await resolveWorkloadVolumes(deps, w).catch(() => null) : null;
  const status = await safeInspect(deps.runtime, containerRef(w));
  return {
    ...w.config,
    ...pendingState(w, w.config, status.state !== "missing", deps.secrets, isAdmin),
    lastDeployFailure: await lastDeployFailure(deps.db, w.config.id, isAdmin),
    env: envForView(w.config.env, isAdmin ? deps.secrets : null),
    projectSlug: w.project.slug,
    stageSlug: w.stage.slug,
    containerName: name,
    status,
    busy: deps.locks.isLocked(workloadLockKey(w.config.id)),
    volumePreview: w.config.volumes.map((v, i) => {
      const r = resolved?.[i];
      return {
        target: v.target,
        scope: v.scope,
        source: v.source,
        readOnly: !!v.readOnly,
        hostPath: r?.kind === "bind" ? r.hostPath : undefined,
      };
    }),
  };
}

export async function listWorkloads(deps: EngineDeps, viewer: Actor): Promise<WorkloadView[]> {
  const rows = await deps.db.workload.findMany({
    include: { project: true, stage: true },
    orderBy: [{ projectId: "asc" }, { name: "asc" }],
  });
  return Promise.all(
    rows.map((row) =>
      toView(
        deps,
        { config: workloadFromRow(row), project: row.project, stage: row.stage, appliedConfig: row.appliedConfig },
        viewer.role === "ADMIN",
      ),
    ),
  );
}

export async function getWorkload(deps: EngineDeps, viewer: Actor, id: string): Promise<WorkloadView> {
  return toView(deps, await loadWorkload(deps.db, id), viewer.role === "ADMIN");
}

/** Where a volume lives when it no longer resolves (its root was dropped, a link appeared): its lexical path. */
function lexicalHostPath(deps: EngineDeps, spec: VolumeSpec, project: string, stage: string): string | null {
  try {
    if (spec.scope === "absolute") return path.resolve(spec.source);
    if (spec.scope === "named") return null;
    return path.resolve(
      scopeBase({ dataDir: deps.dataDir, projectSlug: project, stageSlug: stage, absoluteRoots: [] }, spec.scope),
      spec.source,
    );
  } catch {
    return null;
  }
}

/**
 * Every other workload's binds, for the overlap check and a restore's siblings: what their
 * configs say (a volume that no longer resolves still claims its lexical path: fail closed)
 * and what their containers mount right now (a config saved without a redeploy, or a
 * container from an older version, may still hold other folders). `containers: "best-effort"`
 * skips the containers when Docker cannot be reached (saving needs no engine; deploy does).
 */
async function otherBindClaims(
  deps: EngineDeps,
  exceptId: string | null,
  containers: "required" | "best-effort" = "required",
): Promise<BindClaim[]> {
  const rows = await deps.db.workload.findMany({
    where: exceptId ? { id: { not: exceptId } } : {},
    include: { project: true, stage: true },
  });
  const claims: BindClaim[] = [];
  const names = new Map<string, string>();
  for (const row of rows) {
    const workloadName = `${row.project.slug}/${row.stage.slug}/${row.name}`;
    names.set(row.id, workloadName);
    const ctx = { dataDir: deps.dataDir, projectSlug: row.project.slug, stageSlug: row.stage.slug, absoluteRoots: deps.absoluteRoots };
    let volumes: VolumeSpec[] = [];
    try {
      volumes = workloadFromRow(row).volumes;
    } catch {
      continue; // a row whose JSON no longer parses cannot be deployed either; its container still counts below
    }
    for (const spec of volumes) {
      const resolved = await resolveVolume(spec, ctx).catch(() => null);
      const hostPath = resolved
        ? resolved.kind === "bind"
          ? resolved.hostPath
          : null
        : lexicalHostPath(deps, spec, row.project.slug, row.stage.slug);
      if (hostPath) claims.push({ workloadId: row.id, workloadName, target: spec.target, scope: spec.scope, hostPath });
    }
  }
  const mounted = await deps.runtime.mountedFolders().catch((error: unknown) => {
    if (containers === "required") throw error;
    return [];
  });
  for (const c of mounted) {
    if (c.workloadId === exceptId) continue;
    for (const source of c.sources) {
      if (claims.some((k) => k.workloadId === c.workloadId && k.hostPath === source)) continue;
      // Not in its config: only a redeploy lets it go, so even the same folder is not shared.
      claims.push({
        workloadId: c.workloadId,
        workloadName: `${names.get(c.workloadId) ?? c.workloadId} (its current container)`,
        target: source,
        scope: "absolute",
        hostPath: source,
      });
    }
  }
  return claims;
}

/**
 * Other workloads that mount one of these host folders (or, from a config older than the
 * nesting rule, one nested with them): a restore must stop them too, or they keep writing
 * into the folder it replaces. Sorted by id.
 */
export async function workloadsSharing(
  deps: EngineDeps,
  folders: string[],
  exceptId: string,
  containers: "required" | "best-effort" = "required",
): Promise<{ id: string; name: string }[]> {
  const sharing = new Map<string, string>();
  for (const c of await otherBindClaims(deps, exceptId, containers)) {
    if (folders.some((f) => isInside(f, c.hostPath) || isInside(c.hostPath, f))) sharing.set(c.workloadId, c.workloadName);
  }
  return [...sharing].map(([id, name]) => ({ id, name })).sort((a, b) => a.id.localeCompare(b.id));
}

/** A volume's problem as a field issue (at the volume's source or target) and as the error a deploy throws. */
interface LayoutProblem {
  issue: ExplainedIssue;
  error: DomainError;
}

/**
 * Every problem of a volume list, each at its volume: the rules (volumes.ts), resolving every
 * volume (so a symlinked parent is refused now) and binds that nest in, or contain, another
 * bind of any workload. At deploy (containers required) the overlap check waits for the rest.
 */
async function volumeLayoutProblems(
  deps: EngineDeps,
  id: string | null,
  volumes: WorkloadSettings["volumes"],
  place: { project: { slug: string }; stage: { slug: string } },
  containers: "required" | "best-effort",
): Promise<{ problems: LayoutProblem[]; resolved: (ResolvedVolume | null)[] }> {
  const problems = volumeSpecIssues(volumes, deps.absoluteRoots).map((issue) => ({ issue, error: volumeProblemError(issue) }));
  const faulty = new Set(problems.map((p) => Number(p.issue.path.split(".")[1])));
  const ctx = { dataDir: deps.dataDir, projectSlug: place.project.slug, stageSlug: place.stage.slug, absoluteRoots: deps.absoluteRoots };
  const resolveOne = (v: VolumeSpec) =>
    resolveVolume(v, ctx).then(
      (volume) => ({ volume }),
      (error: unknown) => ({ error }),
    );
  const attempts = await Promise.all(volumes.map((v, i) => (faulty.has(i) ? null : resolveOne(v))));
  const resolved = attempts.map((a, i) => {
    if (!a || "volume" in a) return a?.volume ?? null;
    if (!(a.error instanceof DomainError) || !a.error.reason) throw a.error;
    const issue = { path: `volumes.${i}.source`, reason: a.error.reason, params: a.error.params ?? {}, english: a.error.message };
    problems.push({ issue, error: a.error });
    return null;
  });
  if (problems.length > 0 && containers === "required") return { problems, resolved };
  const binds = resolved.flatMap((v, i) => {
    if (v?.kind !== "bind") return [];
    return [{ i, claim: { workloadId: id ?? "new", workloadName: "", target: v.target, scope: v.scope, hostPath: v.hostPath } }];
  });
  for (const clash of findBindClashes(
    binds.map((b) => b.claim),
    await otherBindClaims(deps, id, containers),
  )) {
    const because = { reason: "volume-clash", params: { detail: clash.message } } as const;
    const issue = { path: `volumes.${binds[clash.index]!.i}.source`, ...because, english: clash.message };
    problems.push({ issue, error: badRequest(clash.message, because) });
  }
  return { problems, resolved };
}

/** The volume layout of a deploy or start: its first problem refused (config saved before a rule, a folder changed since). */
async function checkVolumeLayout(
  deps: EngineDeps,
  id: string | null,
  volumes: WorkloadSettings["volumes"],
  project: { slug: string },
  stage: { slug: string },
): Promise<ResolvedVolume[]> {
  const { problems, resolved } = await volumeLayoutProblems(deps, id, volumes, { project, stage }, "required");
  if (problems[0]) throw problems[0].error;
  return resolved.filter((v) => v !== null);
}

/** Host ports the saved configs of other workloads publish (any host IP), for host-port-taken at save. */
async function portsPublishedByOthers(deps: EngineDeps, exceptId: string | null): Promise<PortInUse[]> {
  const rows = await deps.db.workload.findMany({
    where: exceptId ? { id: { not: exceptId } } : {},
    include: { project: true, stage: true },
  });
  return rows.flatMap((row) => {
    const workload = `${row.project.slug}/${row.stage.slug}/${row.name}`;
    try {
      return workloadFromRow(row).ports.map((p) => ({ hostPort: p.hostPort, protocol: p.protocol, workload }));
    } catch {
      return []; // a row whose JSON no longer parses cannot be deployed either
    }
  });
}

// The form's order, so the first issue is the first field the admin sees.
const FIELD_ORDER = ["name", "image", "command", "restartPolicy", "env", "ports", "volumes"];
const fieldRank = (path: string) => {
  const [field = "", index = "0"] = path.split(".");
  return FIELD_ORDER.indexOf(field) * 100_000 + Number(index);
};

/**
 * Every reason to refuse a save, at once and each at its field: the form's own rules
 * (src/shared/workload-fields.ts), host ports other workloads publish, a secret sent masked
 * with nothing stored, what the caller found (a taken name) and the volume layout. Runs under
 * VOLUME_LAYOUT_LOCK, so two saves cannot both pass against each other's old config.
 */
async function checkSave(
  deps: EngineDeps,
  target: { id: string | null; project: { slug: string }; stage: { slug: string }; previous: WorkloadConfig | null },
  settings: WorkloadSettings & { name?: string },
  found: ExplainedIssue[],
): Promise<void> {
  const portsInUse = await portsPublishedByOthers(deps, target.id);
  const issues: ExplainedIssue[] = [...found, ...workloadFieldIssues(settings, { portsInUse })];
  for (const [i, e] of settings.env.entries()) {
    if (e.value !== SECRET_MASK || target.previous?.env.some((p) => p.key === e.key)) continue;
    const english = `Environment variable ${e.key} needs a value`;
    issues.push({ path: `env.${i}.value`, reason: "env-needs-value", params: { key: e.key }, english });
  }
  const { problems } = await volumeLayoutProblems(deps, target.id, settings.volumes, target, "best-effort");
  const seen = new Set(issues.map((x) => x.path));
  issues.push(...problems.map((p) => p.issue).filter((x) => !seen.has(x.path)));
  const error = invalidFields(issues.sort((a, b) => fieldRank(a.path) - fieldRank(b.path)));
  if (error) throw error;
}

// Saves that change volumes run one at a time, so two workloads cannot both pass the overlap
// check against each other's old config.
const VOLUME_LAYOUT_LOCK = "volume-layout";

/** Admins may send the mask back for an unchanged secret; keep the stored value then. */
function keepMaskedSecrets(settings: WorkloadSettings, previous: WorkloadConfig | null): WorkloadSettings {
  return {
    ...settings,
    env: settings.env.map((e) => {
      if (e.value !== SECRET_MASK) return e;
      const old = previous?.env.find((p) => p.key === e.key);
      if (!old) throw badRequest(`Environment variable ${e.key} needs a value`, { reason: "env-needs-value", params: { key: e.key } });
      return { ...old, secret: e.secret };
    }),
  };
}

export async function createWorkload(
  deps: EngineDeps,
  actor: Actor,
  input: { projectId: string; stageId: string; name: string } & WorkloadSettings,
): Promise<WorkloadView> {
  const stage = await deps.db.stage.findUnique({ where: { id: input.stageId }, include: { project: true } });
  if (!stage || stage.projectId !== input.projectId) throw notFound("stage");
  const { projectId: _p, stageId: _s, name, ...rawSettings } = input;
  const row = await deps.locks.run(VOLUME_LAYOUT_LOCK, async () => {
    const taken = await deps.db.workload.findUnique({ where: { stageId_name: { stageId: stage.id, name } } });
    const nameIssue: ExplainedIssue = {
      path: "name",
      reason: "workload-exists",
      params: { name, project: stage.project.slug, stage: stage.slug },
      english: `A workload named ${name} already exists in ${stage.project.slug}/${stage.slug}`,
    };
    // The name's format is judged here with the rest (the router takes any short string).
    await checkSave(deps, { id: null, project: stage.project, stage, previous: null }, { ...rawSettings, name }, taken ? [nameIssue] : []);
    const settings = keepMaskedSecrets(rawSettings, null);
    return deps.db.workload.create({
      data: { projectId: stage.projectId, stageId: stage.id, name, sourceKind: "image", ...settingsToColumns(settings, deps.secrets) },
    });
  });
  await recordAudit(deps.db, actor, {
    action: "workload.create",
    target: `${stage.project.slug}/${stage.slug}/${name}`,
    outcome: "success",
  });
  return getWorkload(deps, actor, row.id);
}

export async function updateWorkload(
  deps: EngineDeps,
  actor: Actor,
  input: WorkloadSettings & { id: string; redeploy: boolean },
): Promise<WorkloadView> {
  const { id, redeploy, ...rawSettings } = input;
  const opts = { redeploy };
  return deps.locks.run(workloadLockKey(id), async (lease) => {
    const w = await loadWorkload(deps.db, id);
    await deps.locks.run(VOLUME_LAYOUT_LOCK, async () => {
      await checkSave(deps, { id, project: w.project, stage: w.stage, previous: w.config }, rawSettings, []);
      const settings = keepMaskedSecrets(rawSettings, w.config);
      await deps.db.workload.update({ where: { id }, data: settingsToColumns(settings, deps.secrets) });
    });
    await recordAudit(deps.db, actor, {
      action: "workload.update",
      target: containerName(w),
      outcome: "success",
      detail: { redeploy: opts.redeploy },
    });
    if (opts.redeploy) {
      await withWorkloadEvent(deps, { workloadId: id, kind: "update", actor }, async () => {
        await assertNoPendingRestore(deps, id);
        await deployUnderLock(deps, actor, lease, id);
      });
    }
    return getWorkload(deps, actor, id);
  });
}

/** Container-engine failures become path-free errors for the client; Docker's own text goes to the log. */
/** `what` names the call in English (logs, the message); `action` is its code for the UI. */
export async function runtimeCall<T>(deps: EngineDeps, action: ContainerAction, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    deps.log.warn({ err: error }, `${what} failed`);
    if (error instanceof DomainError) throw error;
    const failure = publicFailure(error);
    // A clash the admin can fix (another program or workload holds the port): its own reason, not a wrapped one.
    if (failure.reason === "host-port-in-use") {
      throw new DomainError("CONFLICT", failure.message, {
        cause: error,
        reason: failure.reason,
        params: { port: failure.params.port ?? "" },
      });
    }
    throw new DomainError("PRECONDITION_FAILED", `${what} failed: ${failure.message}`, {
      cause: error,
      reason: "action-failed",
      params: { ...causeParams(failure), action },
    });
  }
}

/**
 * (Re)creates and starts the container. For callers that already hold the workload's lock
 * (update, restore): the lease proves it, so nothing re-locks and nothing can deadlock.
 */
export async function deployUnderLock(deps: EngineDeps, _actor: Actor, lease: LockLease, id: string): Promise<void> {
  assertLeaseFor(lease, workloadLockKey(id));
  const w = await loadWorkload(deps.db, id);
  const volumes = await checkVolumeLayout(deps, id, w.config.volumes, w.project, w.stage);
  for (const v of volumes) {
    // A workload that started sharing a folder after a restore of it began would write into
    // what becomes the backup (the restore's own redeploy holds the folder's key).
    const folderKey = v.kind === "bind" ? folderLockKey(v.hostPath) : "";
    if (folderKey && deps.locks.isLocked(folderKey) && !lease.keys.has(folderKey)) {
      throw conflict(`Volume "${v.target}": a restore of its folder is running; deploy again when it has finished`, {
        reason: "volume-restoring",
        params: { target: v.target },
      });
    }
  }
  for (const v of volumes) {
    if (v.kind === "bind") await prepareBindFolder(v);
    else await runtimeCall(deps, "prepareVolume", `Preparing volume ${v.volumeName}`, () => claimNamedVolume(deps, v.volumeName, v.target));
  }
  const spec: ContainerSpec = {
    ...containerRef(w),
    image: w.config.image,
    command: w.config.command,
    env: containerEnv(w.config.env, deps.secrets),
    mounts: volumes.map((v) =>
      v.kind === "bind"
        ? { type: "bind" as const, source: v.hostPath, target: v.target, readOnly: !!v.readOnly }
        : { type: "volume" as const, source: v.volumeName, target: v.target, readOnly: !!v.readOnly },
    ),
    ports: w.config.ports,
    restartPolicy: w.config.restartPolicy,
    labels: { ...w.config.labels, "berth.project": w.project.slug, "berth.stage": w.stage.slug },
  };
  await runtimeCall(deps, "pullImage", `Pulling image ${spec.image}`, () => deps.runtime.ensureImage(spec.image));
  try {
    await runtimeCall(deps, "start", "Starting the container", () => deps.runtime.recreate(spec));
  } catch (error) {
    // recreate removes the old container first, so one left "created" is the new one, made with
    // these settings, whose start failed (a host port taken): a later Start runs it as it is.
    if ((await safeInspect(deps.runtime, containerRef(w))).state === "created") {
      await deps.db.workload.update({ where: { id }, data: { appliedConfig: appliedConfigOf(w.config), appliedAt: deps.clock.now() } });
    }
    throw error;
  }
  // What runs now, in the same write: the detail page compares it with what is saved.
  await deps.db.workload.update({
    where: { id },
    data: { desiredState: "running", appliedConfig: appliedConfigOf(w.config), appliedAt: deps.clock.now() },
  });
}

/**
 * A restore journal left on disk (its rollback failed, or the server died and has not
 * recovered) means the workload's folders may be half-restored: it stays stopped until
 * recovery has run. Restore and recovery redeploy through deployUnderLock, not through here.
 */
export async function assertNoPendingRestore(deps: EngineDeps, id: string): Promise<void> {
  // A journal whose workloads are up again only waits for its undo copy: that blocks nothing.
  const pending = (await listJournals(deps.dataDir)).some((j) => {
    const state = journalState(j.records);
    return j.intent && !state.up && !state.done && (j.intent.workloadId === id || stoppedWith(j.intent, state).includes(id));
  });
  if (pending) {
    throw new DomainError(
      "PRECONDITION_FAILED",
      "A restore of this workload's data did not finish; restart the server or run `berth recover` before starting it",
      { reason: "restore-unfinished" },
    );
  }
}

/**
 * A named volume is Berth's when Berth created it (label): another one may hold some other
 * program's data, so mounting it needs BERTH_ALLOW_FOREIGN_VOLUMES=1.
 */
async function claimNamedVolume(deps: EngineDeps, name: string, target: string): Promise<void> {
  const labels = await deps.runtime.volumeLabels(name);
  if (labels === null) return deps.runtime.createVolume(name, { [MANAGED_VOLUME_LABEL]: "1" });
  if (labels[MANAGED_VOLUME_LABEL] !== "1" && !deps.allowForeignVolumes) {
    throw badRequest(
      `Volume "${target}": the Docker volume ${name} was not created by Berth; set BERTH_ALLOW_FOREIGN_VOLUMES=1 to mount volumes of other programs`,
      { reason: "foreign-volume", params: { target, name } },
    );
  }
}

export async function deployWorkload(deps: EngineDeps, actor: Actor, id: string): Promise<WorkloadView> {
  const w = await loadWorkload(deps.db, id);
  await deps.locks.run(workloadLockKey(id), (lease) =>
    withWorkloadEvent(deps, { workloadId: id, kind: "deploy", actor }, () =>
      audited(deps, actor, { action: "workload.deploy", target: containerName(w) }, async () => {
        await assertNoPendingRestore(deps, id);
        await deployUnderLock(deps, actor, lease, id);
      }),
    ),
  );
  return getWorkload(deps, actor, id);
}

export async function stopWorkload(deps: EngineDeps, actor: Actor, id: string): Promise<WorkloadView> {
  const w = await loadWorkload(deps.db, id);
  await deps.locks.run(workloadLockKey(id), () =>
    withWorkloadEvent(deps, { workloadId: id, kind: "stop", actor }, () =>
      audited(deps, actor, { action: "workload.stop", target: containerName(w) }, async () => {
        await runtimeCall(deps, "stop", "Stopping the container", () => deps.runtime.stop(containerRef(w)));
        await deps.db.workload.update({ where: { id }, data: { desiredState: "stopped" } });
      }),
    ),
  );
  return getWorkload(deps, actor, id);
}

export async function startWorkload(deps: EngineDeps, actor: Actor, id: string): Promise<WorkloadView> {
  const w = await loadWorkload(deps.db, id);
  await deps.locks.run(workloadLockKey(id), (lease) =>
    withWorkloadEvent(deps, { workloadId: id, kind: "start", actor }, () =>
      audited(deps, actor, { action: "workload.start", target: containerName(w) }, async () => {
        // No container yet (never deployed, removed by hand, or under an older name): starting
        // means deploying. Otherwise the volume layout is checked again before Docker mounts it.
        await assertNoPendingRestore(deps, id);
        const state = await safeInspect(deps.runtime, containerRef(w));
        if (state.state === "missing") return deployUnderLock(deps, actor, lease, id);
        const volumes = await checkVolumeLayout(deps, id, w.config.volumes, w.project, w.stage);
        // A container whose mounts are not exactly today's config (saved without a redeploy, or
        // made by an older version) is recreated rather than started as it is.
        const wanted = volumes.flatMap((v) => (v.kind === "bind" ? [v.hostPath] : [])).sort();
        const mounted =
          (await runtimeCall(deps, "readMounts", "Reading the container's mounts", () => deps.runtime.mountedFolders()))
            .find((c) => c.workloadId === id)
            ?.sources.sort() ?? [];
        if (JSON.stringify(wanted) !== JSON.stringify(mounted)) return deployUnderLock(deps, actor, lease, id);
        for (const v of volumes) if (v.kind === "bind") await prepareBindFolder(v);
        await runtimeCall(deps, "start", "Starting the container", () => deps.runtime.start(containerRef(w)));
        await deps.db.workload.update({ where: { id }, data: { desiredState: "running" } });
      }),
    ),
  );
  return getWorkload(deps, actor, id);
}

export async function deleteWorkload(
  deps: EngineDeps,
  actor: Actor,
  input: { id: string; deleteData: boolean; confirmName?: string },
): Promise<{ deletedPaths: number }> {
  const { id, ...opts } = input;
  const w = await loadWorkload(deps.db, id);
  const snapshots = await deps.db.snapshot.count({ where: { workloadId: id } });
  if ((await listJournals(deps.dataDir)).some((j) => j.intent?.workloadId === id)) {
    throw conflict(`A restore of ${w.config.name} is still saving its undo copy; try again when it has finished`, {
      reason: "undo-copy-saving",
      params: { name: w.config.name },
    });
  }
  if (snapshots > 0) {
    throw badRequest(`${w.config.name} has ${snapshots} snapshot(s); download what you want to keep and delete them first`, {
      reason: "workload-has-snapshots",
      params: { name: w.config.name, count: snapshots },
    });
  }
  if (opts.deleteData && opts.confirmName !== w.config.name) {
    throw badRequest(`To delete the data too, confirm by typing the workload name (${w.config.name})`, {
      reason: "delete-confirm-name",
      params: { name: w.config.name },
    });
  }
  return deps.locks.run(workloadLockKey(id), () =>
    audited(deps, actor, { action: "workload.delete", target: containerName(w) }, async () => {
      await runtimeCall(deps, "remove", "Removing the container", () => deps.runtime.remove(containerRef(w)));
      let deletedPaths = 0;
      if (opts.deleteData) {
        // Only folders that hold no other workload's data: a project-scoped volume may be shared.
        // Also a folder another workload's config no longer resolves to, or its container still mounts.
        const mine = (await resolveWorkloadVolumes(deps, w)).filter((v) => v.kind === "bind");
        const otherPaths = (await otherBindClaims(deps, id)).map((c) => c.hostPath);
        for (const v of mine) {
          if (v.kind !== "bind" || otherPaths.some((o) => isInside(v.hostPath, o) || isInside(o, v.hostPath))) continue;
          await removeTree(v.hostPath);
          deletedPaths++;
        }
      }
      await deps.db.workload.delete({ where: { id } });
      return { deletedPaths };
    }),
  );
}

/**
 * At boot, before anything restarts: a container made by an older version may mount a folder
 * nested in another container's bind (the escape of issue #11). Docker would restart it as it
 * is, so the container holding the inner folder is removed (its workload is then refused at
 * deploy until its volumes no longer nest). Returns the workloads whose container went.
 */
export async function removeNestedContainers(deps: EngineDeps, actor: Actor): Promise<string[]> {
  const mounts = (await deps.runtime.mountedFolders()).flatMap((c) => c.sources.map((source) => ({ workloadId: c.workloadId, source })));
  const inner = new Set<string>();
  for (const a of mounts) for (const b of mounts) if (a.source !== b.source && isInside(a.source, b.source)) inner.add(b.workloadId);
  for (const workloadId of inner) {
    deps.log.warn({ workloadId }, "removing a container whose bind mount lies inside another bind mount");
    await deps.runtime.remove({ name: "", workloadId });
    await recordAudit(deps.db, actor, {
      action: "workload.container.removed",
      target: workloadId,
      outcome: "success",
      detail: { reason: "nested-bind" },
    });
  }
  return [...inner];
}
