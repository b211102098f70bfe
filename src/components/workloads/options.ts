// Plain data and helpers shared by the workload screens (no React here, so the i18n
// catalog test can import the value lists it checks translations for).
import type { RouterOutputs } from "~/trpc/react";

export type WorkloadView = RouterOutputs["workload"]["list"][number];
export type Project = RouterOutputs["project"]["list"][number];
export type ContainerStatus = WorkloadView["status"];
export type ContainerStateName = ContainerStatus["state"];
export type VolumeScope = WorkloadView["volumes"][number]["scope"];
export type RestartPolicy = WorkloadView["restartPolicy"];

/** Every state the server reports; translated as `workloads.status.<state>`. */
export const CONTAINER_STATES = [
  "running",
  "exited",
  "created",
  "paused",
  "restarting",
  "removing",
  "dead",
  "missing",
  "unreachable",
] as const satisfies readonly ContainerStateName[];

/** Why a state is "unreachable": a code from the server; translated as `workloads.unreachableReasons.<reason>`. */
export const UNREACHABLE_REASONS = ["docker-unreachable", "docker-error"] as const;

/** Translated as `workloads.scopes.<scope>` and `workloads.scopeHints.<scope>`. */
export const VOLUME_SCOPES = ["stage", "project", "named", "absolute"] as const satisfies readonly VolumeScope[];

/** Translated as `workloads.restartPolicies.<policy>`. */
export const RESTART_POLICIES = ["unless-stopped", "always", "on-failure", "no"] as const satisfies readonly RestartPolicy[];

// Compile-time guards: a state, scope or policy added on the server must be added here too.
type Missing<All, Listed> = Exclude<All, Listed>;
const _states: Missing<ContainerStateName, (typeof CONTAINER_STATES)[number]> extends never ? true : never = true;
const _scopes: Missing<VolumeScope, (typeof VOLUME_SCOPES)[number]> extends never ? true : never = true;
const _policies: Missing<RestartPolicy, (typeof RESTART_POLICIES)[number]> extends never ? true : never = true;
void _states;
void _scopes;
void _policies;

/**
 * The command textarea holds one argument per line, exactly as typed (no shell quoting);
 * blank lines are ignored. An empty result means "the image's default command".
 */
export function parseCommand(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/\r$/, ""))
    .filter((line) => line.trim() !== "");
}

export const formatCommandForEditing = (args: readonly string[]) => args.join("\n");

/** A shell-style rendering of an argument list, for reading only (never parsed back). */
export function formatCommandForDisplay(args: readonly string[]): string {
  return args
    .map((a) => {
      if (/^[\w@%+=:,./-]+$/.test(a)) return a;
      // Double quotes read better around single quotes, as long as nothing inside would expand.
      if (a.includes("'") && !/["$`\\!]/.test(a)) return `"${a}"`;
      return `'${a.replace(/'/g, `'\\''`)}'`;
    })
    .join(" ");
}

export const DATA_DIR_TOKEN = "<data>";

/**
 * Where a volume's data will live, described by scope; computed in the browser before
 * saving. Exact host paths come from the server (volumePreview.hostPath, admins only).
 * Returns null for scopes that are not a folder under the data dir.
 */
export function describeDataLocation(
  volume: { scope: string; source: string },
  slugs: { project?: string; stage?: string },
): string | null {
  const project = slugs.project || "<project>";
  const stage = slugs.stage || "<stage>";
  const source = volume.source || "<source>";
  if (volume.scope === "project") return `${DATA_DIR_TOKEN}/volumes/projects/${project}/shared/${source}`;
  if (volume.scope === "stage") return `${DATA_DIR_TOKEN}/volumes/projects/${project}/stages/${stage}/${source}`;
  return null;
}

/** A running container can be stopped; anything else can be started (which deploys a missing one). */
export const canStop = (status: ContainerStatus) =>
  status.state === "running" || status.state === "restarting" || status.state === "paused";
