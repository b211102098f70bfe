import { realpathSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
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

export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
const DOCKER_VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
// Docker's mount syntaxes give ':' and ',' meaning (`src:dst:opts`, `type=bind,src=…`).
const MOUNT_SYNTAX = /[:,]/;

// The problem stays English (a `detail` param): the UI translates the frame around it.
const refuse = (spec: Pick<VolumeSpec, "target">, problem: string) =>
  badRequest(`Volume "${spec.target}": ${problem}`, { reason: "volume-invalid", params: { target: spec.target, detail: problem } });

function checkRelativeSource(spec: VolumeSpec): void {
  const { source } = spec;
  if (!source) throw refuse(spec, "source is required");
  if (source.startsWith("/")) throw refuse(spec, `source must be relative for the ${spec.scope} scope`);
  if (source.includes("\\")) throw refuse(spec, "source must not contain backslashes");
  const segments = source.replace(/\/$/, "").split("/");
  if (segments.includes("..")) throw refuse(spec, 'source must not contain ".."');
  if (segments.some((s) => s === "" || s === ".")) throw refuse(spec, "source must not contain empty or '.' segments");
}

function checkAbsoluteSource(spec: VolumeSpec, roots: string[]): void {
  if (roots.length === 0) {
    throw refuse(spec, "absolute host paths are disabled; set BERTH_ABSOLUTE_ROOTS to the folders they may use");
  }
  if (!path.isAbsolute(spec.source)) throw refuse(spec, "source must be an absolute host path");
  if (spec.source.split("/").includes("..")) throw refuse(spec, 'source must not contain ".."');
  if (!roots.some((root) => isInside(path.resolve(root), path.resolve(spec.source)))) {
    throw refuse(spec, "source is outside the allowed absolute roots");
  }
  if (roots.some((root) => path.resolve(root) === path.resolve(spec.source))) {
    throw refuse(spec, "source must be a folder inside an absolute root, not the root itself");
  }
}

/** Checks a workload's volume list as a whole; every message names the volume at fault. */
export function validateVolumeSpecs(volumes: VolumeSpec[], absoluteRoots: string[]): void {
  const targets = new Set<string>();
  for (const spec of volumes) {
    const { target } = spec;
    if (CONTROL_CHARS.test(target) || CONTROL_CHARS.test(spec.source)) throw refuse(spec, "must not contain control characters");
    if (MOUNT_SYNTAX.test(target) || MOUNT_SYNTAX.test(spec.source)) throw refuse(spec, "source and target must not contain ':' or ','");
    if (!target.startsWith("/") || target === "/") throw refuse(spec, "target must be an absolute container path other than /");
    if (target.split("/").includes("..")) throw refuse(spec, 'target must not contain ".."');
    const normalized = path.posix.normalize(target).replace(/\/$/, "");
    if (targets.has(normalized)) throw refuse(spec, "target is used by another volume of this workload");
    targets.add(normalized);
    if (!VOLUME_SCOPES.includes(spec.scope)) throw refuse(spec, `unknown scope ${String(spec.scope)}`);
    if (spec.scope === "project" || spec.scope === "stage") checkRelativeSource(spec);
    else if (spec.scope === "absolute") checkAbsoluteSource(spec, absoluteRoots);
    else if (!DOCKER_VOLUME_NAME.test(spec.source)) throw refuse(spec, "not a valid Docker volume name");
  }
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
  for (const [i, a] of mine.entries()) {
    for (const b of [...mine.slice(i + 1), ...others]) {
      const same = a.hostPath === b.hostPath;
      if (!same && !isInside(a.hostPath, b.hostPath) && !isInside(b.hostPath, a.hostPath)) continue;
      const where =
        b.workloadId === a.workloadId ? `volume ${b.target} of this workload` : `volume ${b.target} of workload ${b.workloadName}`;
      if (same && b.workloadId !== a.workloadId && a.scope === "project" && b.scope === "project") continue;
      if (same) return `Volume "${a.target}": its folder is already used by ${where}; only project volumes may share a folder`;
      const relation = isInside(a.hostPath, b.hostPath) ? "contains the folder of" : "lies inside the folder of";
      return `Volume "${a.target}": its folder ${relation} ${where}; volumes may not nest`;
    }
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
