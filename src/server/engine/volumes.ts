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
  | (VolumeSpec & { kind: "bind"; hostPath: string })
  | (VolumeSpec & { kind: "named"; volumeName: string });

export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
const DOCKER_VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

const refuse = (spec: Pick<VolumeSpec, "target">, reason: string) => badRequest(`Volume "${spec.target}": ${reason}`);

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
}

/** Checks a workload's volume list as a whole; every message names the volume at fault. */
export function validateVolumeSpecs(volumes: VolumeSpec[], absoluteRoots: string[]): void {
  const targets = new Set<string>();
  for (const spec of volumes) {
    const { target } = spec;
    if (CONTROL_CHARS.test(target) || CONTROL_CHARS.test(spec.source)) throw refuse(spec, "must not contain control characters");
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
  if (!SLUG_PATTERN.test(ctx.projectSlug) || !SLUG_PATTERN.test(ctx.stageSlug)) throw badRequest("Invalid project or stage slug");
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
  if (!realBases.some((base) => isInside(base, realTarget))) throw refuse(spec, "source leads outside its base folder through a symlink");
  return { ...spec, kind: "bind", hostPath };
}
