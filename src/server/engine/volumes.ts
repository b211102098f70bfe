import { realpathSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import {
  type FieldIssue,
  fieldIssueEnglish,
  SLUG_PATTERN,
  type VolumeProblem,
  volumeFieldIssues,
  volumeIssue,
} from "~/shared/workload-fields";

export { SLUG_PATTERN };
import { badRequest } from "./errors";

export const VOLUME_SCOPES = ["project", "stage", "absolute", "named"] as const;
export type VolumeScope = (typeof VOLUME_SCOPES)[number];

export interface VolumeSpec {
  target: string;
  scope: VolumeScope;
  source: string;
  readOnly?: boolean;
}

export interface VolumeContext {
  dataDir: string;
  projectSlug: string;
  stageSlug: string;
  /** Host folders under which `absolute` volumes may live; empty refuses them all. */
  absoluteRoots: string[];
}

export type ResolvedVolume =
  /** hostPath: the real path (symlinks resolved once, here); anchor: the real data dir or absolute root it hangs from */
  (VolumeSpec & { kind: "bind"; hostPath: string; anchor: string }) | (VolumeSpec & { kind: "named"; volumeName: string });

// The problem stays English (a `detail` param): the UI translates the frame around it.
const refuse = (spec: Pick<VolumeSpec, "target">, problem: string) =>
  badRequest(`Volume "${spec.target}": ${problem}`, { reason: "volume-invalid", params: { target: spec.target, detail: problem } });

/** Why an absolute source cannot be used with these roots, or null; the shared rules ran first. */
function absoluteRootProblem(source: string, roots: string[]): VolumeProblem | null {
  if (roots.length === 0) return "absoluteDisabled";
  if (!roots.some((root) => isInside(path.resolve(root), path.resolve(source)))) return "outsideRoots";
  if (roots.some((root) => path.resolve(root) === path.resolve(source))) return "isRoot";
  return null;
}

/** Every problem of a workload's volume list: the shared rules (workload-fields.ts), then the absolute roots. */
export function volumeSpecIssues(volumes: VolumeSpec[], absoluteRoots: string[]): FieldIssue[] {
  const issues = volumeFieldIssues(volumes);
  for (const [i, spec] of volumes.entries()) {
    if (spec.scope !== "absolute" || issues.some((x) => x.path === `volumes.${i}.source`)) continue;
    const problem = absoluteRootProblem(spec.source, absoluteRoots);
    if (problem) issues.push(volumeIssue(i, "source", spec.target, problem));
  }
  return issues;
}

/** A volume-problem issue as the error a deploy throws (its message names the volume). */
export const volumeProblemError = (issue: FieldIssue) =>
  badRequest(fieldIssueEnglish(issue), {
    reason: "volume-problem",
    params: { target: String(issue.params.target), problem: String(issue.params.problem) },
  });

/** Checks a workload's volume list as a whole and refuses its first problem, naming the volume at fault. */
export function validateVolumeSpecs(volumes: VolumeSpec[], absoluteRoots: string[]): void {
  const [first] = volumeSpecIssues(volumes, absoluteRoots);
  if (first) throw volumeProblemError(first);
}

export function isInside(base: string, candidate: string): boolean {
  const rel = path.relative(base, candidate);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** realpath of the deepest part that exists, with the rest appended: resolves symlinked parents. */
async function realpathOfExisting(p: string): Promise<string> {
  const missing: string[] = [];
  let current = path.resolve(p);
  for (;;) {
    try {
      return path.join(await fs.realpath(current), ...missing.reverse());
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      const parent = path.dirname(current);
      if (parent === current) throw error;
      missing.push(path.basename(current));
      current = parent;
    }
  }
}

export function scopeBase(ctx: VolumeContext, scope: "project" | "stage"): string {
  if (!SLUG_PATTERN.test(ctx.projectSlug) || !SLUG_PATTERN.test(ctx.stageSlug)) {
    throw badRequest("Invalid project or stage slug", { reason: "invalid-slug" });
  }
  const project = path.join(ctx.dataDir, "volumes", "projects", ctx.projectSlug);
  return scope === "project" ? path.join(project, "shared") : path.join(project, "stages", ctx.stageSlug);
}

/**
 * Host location of one volume, always from the workload's current config. Validates again
 * (config on disk may predate a rule) and refuses any path that leaves its base, also
 * through a symlinked parent.
 */
export async function resolveVolume(spec: VolumeSpec, ctx: VolumeContext): Promise<ResolvedVolume> {
  validateVolumeSpecs([spec], ctx.absoluteRoots);
  if (spec.scope === "named") return { ...spec, kind: "named", volumeName: spec.source };

  let hostPath: string;
  let allowedBases: string[];
  if (spec.scope === "absolute") {
    hostPath = path.resolve(spec.source);
    allowedBases = ctx.absoluteRoots.map((r) => path.resolve(r));
  } else {
    const base = scopeBase(ctx, spec.scope);
    hostPath = path.resolve(base, spec.source);
    allowedBases = [base];
  }
  if (!allowedBases.some((base) => isInside(base, hostPath))) throw refuse(spec, "source escapes its base folder");
  const realTarget = await realpathOfExisting(hostPath);
  const realBases = await Promise.all(allowedBases.map(realpathOfExisting));
  const realBase = realBases.find((base) => isInside(base, realTarget));
  if (!realBase) throw refuse(spec, "source leads outside its base folder through a symlink");
  if (spec.scope === "absolute") {
    // Resolved now, so checked now: a root swapped for a link since start is caught here.
    const unsafe = unsafeAbsoluteRoot(realBase, ctx.dataDir);
    if (unsafe) throw refuse(spec, `its absolute root is not safe to mount from (${unsafe})`);
    if (realTarget === realBase) throw refuse(spec, "source must be a folder inside an absolute root, not the root itself");
  }
  const anchor = spec.scope === "absolute" ? realBase : await realpathOfExisting(ctx.dataDir);
  // Docker gets this real path: it resolves a bind source again at every (re)start, so the
  // path it is handed must not depend on links anyone could change later.
  return { ...spec, kind: "bind", hostPath: realTarget, anchor };
}

// Host folders no absolute root may be, contain or lie in: the kernel's, the system's
// configuration and the Docker socket's.
// Docker's and containerd's state holds other containers' volumes and configuration.
const SYSTEM_FOLDERS = [
  "/proc",
  "/sys",
  "/dev",
  "/etc",
  "/run",
  "/var/run",
  "/boot",
  "/usr",
  "/bin",
  "/sbin",
  "/lib",
  "/lib64",
  "/root",
  "/var/lib/docker",
  "/var/lib/containerd",
];

function realpathOrSelf(p: string): string {
  const missing: string[] = [];
  let current = path.resolve(p);
  for (;;) {
    try {
      return path.join(realpathSync(current), ...missing.reverse());
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return path.resolve(p);
      missing.push(path.basename(current));
      current = parent;
    }
  }
}

/** Why this absolute root is unsafe, or null. Checked once, when the configuration is read. */
export function unsafeAbsoluteRoot(root: string, dataDir: string): string | null {
  const real = realpathOrSelf(root);
  const data = realpathOrSelf(dataDir);
  if (real === "/") return `${root} is the host's root folder`;
  if (isInside(real, data)) return `${root} contains Berth's data folder`;
  if (isInside(data, real)) return `${root} is inside Berth's data folder`;
  for (const folder of SYSTEM_FOLDERS) {
    const system = realpathOrSelf(folder);
    if (isInside(system, real) || isInside(real, system)) return `${root} overlaps the system folder ${folder}`;
  }
  return null;
}

/** A bind of some workload, as the overlap check sees it. */
export interface BindClaim {
  workloadId: string;
  workloadName: string;
  target: string;
  scope: VolumeScope;
  hostPath: string;
}

/**
 * Two binds may not nest: a container that can write a parent of another bind's folder can
 * swap that folder for a symlink, and the next start would mount where the link points.
 * The same folder twice is allowed only as a project-scoped volume shared on purpose by
 * different workloads. Returns a message naming the first clash, or null.
 */
export function findBindClash(mine: BindClaim[], others: BindClaim[]): string | null {
  return findBindClashes(mine, others)[0]?.message ?? null;
}

/** Every bind of `mine` (by index) that clashes with a later one of `mine` or with `others`, and its first clash. */
export function findBindClashes(mine: BindClaim[], others: BindClaim[]): { index: number; message: string }[] {
  return mine.flatMap((a, i) => {
    const message = clashOf(a, [...mine.slice(i + 1), ...others]);
    return message ? [{ index: i, message }] : [];
  });
}

function clashOf(a: BindClaim, candidates: BindClaim[]): string | null {
  for (const b of candidates) {
    const same = a.hostPath === b.hostPath;
    if (!same && !isInside(a.hostPath, b.hostPath) && !isInside(b.hostPath, a.hostPath)) continue;
    const where =
      b.workloadId === a.workloadId ? `volume ${b.target} of this workload` : `volume ${b.target} of workload ${b.workloadName}`;
    if (same && b.workloadId !== a.workloadId && a.scope === "project" && b.scope === "project") continue;
    if (same) return `Volume "${a.target}": its folder is already used by ${where}; only project volumes may share a folder`;
    const relation = isInside(a.hostPath, b.hostPath) ? "contains the folder of" : "lies inside the folder of";
    return `Volume "${a.target}": its folder ${relation} ${where}; volumes may not nest`;
  }
  return null;
}

/**
 * Creates a bind's folder and the missing folders above it, one component at a time from
 * the folder it is anchored in (Berth's data dir, or its absolute root), refusing any
 * component that is a symlink or not a directory: nothing is followed. Below the data dir
 * every folder above the data is Berth's: owned by Berth's user and writable by nobody else,
 * so neither a container nor another user can swap one for a link.
 */
export async function prepareBindFolder(volume: Extract<ResolvedVolume, { kind: "bind" }>): Promise<void> {
  await ensureFolders(volume, volume.hostPath, false);
}

/** The same walk for the folder that holds a volume (where a restore stages beside it): every component trusted. */
export async function prepareBindParent(volume: Extract<ResolvedVolume, { kind: "bind" }>): Promise<string> {
  const parent = path.dirname(volume.hostPath);
  await ensureFolders(volume, parent, true);
  return parent;
}

async function ensureFolders(volume: Extract<ResolvedVolume, { kind: "bind" }>, dir: string, leafTrusted: boolean): Promise<void> {
  const trusted = new Set([0, process.getuid?.() ?? 0]);
  const rel = path.relative(volume.anchor, dir);
  if (rel.startsWith("..") || path.isAbsolute(rel) || (rel === "" && !leafTrusted))
    throw refuse(volume, "source must be a folder inside its base folder");
  await fs.mkdir(volume.anchor, { recursive: true, mode: 0o700 });
  const parts = rel === "" ? [] : rel.split(path.sep);
  let current = volume.anchor;
  // The anchor and every folder down to the data's parent: a real folder of root's or Berth's
  // that nobody else can write, so nobody else can swap a component for a link.
  for (const [i, part] of ["", ...parts].entries()) {
    current = path.join(current, part);
    let st = await fs.lstat(current).catch((error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? null : Promise.reject(error)));
    if (!st) {
      await fs
        .mkdir(current, { mode: 0o755 })
        .catch((error: NodeJS.ErrnoException) => (error.code === "EEXIST" ? undefined : Promise.reject(error)));
      st = await fs.lstat(current);
    }
    if (st.isSymbolicLink() || !st.isDirectory())
      throw refuse(volume, "a folder on the way to its data is a symlink or not a folder; refusing to follow it");
    const isData = i === parts.length && !leafTrusted;
    if (!isData && (!trusted.has(st.uid) || (st.mode & 0o022) !== 0)) {
      throw refuse(volume, "a folder above its data is not owned by Berth or is writable by others; refusing to mount through it");
    }
  }
}
