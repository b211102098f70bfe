/**
 * Every rule about a workload's settings that needs no server, as one pure check: the form
 * runs it before sending (all problems at once, each under its field) and the engine runs the
 * same function before its own checks. Each issue names its field by path ("image",
 * "env.2.key", "ports.1.hostPort", "volumes.0.source") with a reason code and its params.
 */
import type { ErrorParams, ErrorReason } from "~/shared/error-reasons";

export interface FieldIssue {
  /** The field at fault, as a dotted path into the settings (list indices as numbers). */
  path: string;
  reason: ErrorReason;
  params: ErrorParams;
}

/** Why a volume is refused: an ICU select value inside `errors.volume-problem` (so no hyphens). */
export const VOLUME_PROBLEMS = {
  controlChars: "must not contain control characters",
  mountSyntax: "source and target must not contain ':' or ','",
  targetNotAbsolute: "target must be an absolute container path other than /",
  targetDotDot: 'target must not contain ".."',
  targetDuplicate: "target is used by another volume of this workload",
  scopeUnknown: "unknown scope",
  sourceRequired: "source is required",
  sourceAbsolute: "source must be relative for the project and stage scopes",
  sourceBackslash: "source must not contain backslashes",
  sourceDotDot: 'source must not contain ".."',
  sourceEmptySegment: "source must not contain empty or '.' segments",
  sourceNotAbsolute: "source must be an absolute host path",
  namedInvalid: "not a valid Docker volume name",
  absoluteDisabled: "absolute host paths are disabled; set BERTH_ABSOLUTE_ROOTS to the folders they may use",
  outsideRoots: "source is outside the allowed absolute roots",
  isRoot: "source must be a folder inside an absolute root, not the root itself",
} as const;
export type VolumeProblem = keyof typeof VOLUME_PROBLEMS;

/** Project, stage and workload names: they become folder and container names. */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
export const PORT_MIN = 1;
export const PORT_MAX = 65_535;
export const ENV_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DOCKER_VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
// Docker's mount syntaxes give ':' and ',' meaning (`src:dst:opts`, `type=bind,src=…`).
const MOUNT_SYNTAX = /[:,]/;

/** What the check reads: the settings as sent (ports may be NaN when the form's text is not a number). */
export interface FieldSettings {
  /** Only when creating: the name is fixed afterwards. */
  name?: string;
  image: string;
  env: readonly { key: string }[];
  ports: readonly { hostPort: number; containerPort: number; protocol: string }[];
  volumes: readonly { target: string; scope: string; source: string }[];
}

/** A host port another workload's saved config publishes (any host IP). */
export interface PortInUse {
  hostPort: number;
  protocol: string;
  /** project/stage/name of the workload that publishes it */
  workload: string;
}

export interface FieldContext {
  /** Host ports other workloads publish; the server fills it, the form leaves it out. */
  portsInUse?: readonly PortInUse[];
}

export const volumeIssue = (i: number, field: "target" | "source", target: string, problem: VolumeProblem): FieldIssue => ({
  path: `volumes.${i}.${field}`,
  reason: "volume-problem",
  params: { target, problem },
});

/** The first problem of a volume's target (absolute, not "/", no "..", unique after normalising). */
function targetProblem(target: string, seen: Set<string>): VolumeProblem | null {
  if (CONTROL_CHARS.test(target)) return "controlChars";
  if (MOUNT_SYNTAX.test(target)) return "mountSyntax";
  if (!target.startsWith("/") || target === "/") return "targetNotAbsolute";
  const segments = target.split("/");
  if (segments.includes("..")) return "targetDotDot";
  const normalized = `/${segments.filter((s) => s !== "" && s !== ".").join("/")}`;
  if (seen.has(normalized)) return "targetDuplicate";
  seen.add(normalized);
  return null;
}

/** The first problem of a volume's source for its scope; the server adds the absolute roots. */
export function sourceProblem(scope: string, source: string): VolumeProblem | null {
  if (source === "") return "sourceRequired";
  if (CONTROL_CHARS.test(source)) return "controlChars";
  if (MOUNT_SYNTAX.test(source)) return "mountSyntax";
  if (scope === "project" || scope === "stage") {
    if (source.startsWith("/")) return "sourceAbsolute";
    if (source.includes("\\")) return "sourceBackslash";
    const segments = source.replace(/\/$/, "").split("/");
    if (segments.includes("..")) return "sourceDotDot";
    if (segments.some((s) => s === "" || s === ".")) return "sourceEmptySegment";
    return null;
  }
  if (scope === "absolute") {
    if (!source.startsWith("/")) return "sourceNotAbsolute";
    if (source.split("/").includes("..")) return "sourceDotDot";
    return null;
  }
  if (scope === "named") return DOCKER_VOLUME_NAME.test(source) ? null : "namedInvalid";
  return "scopeUnknown";
}

const validPort = (port: number) => Number.isInteger(port) && port >= PORT_MIN && port <= PORT_MAX;

/** Every problem of these settings the form can know about, in the form's order. */
export function workloadFieldIssues(settings: FieldSettings, context: FieldContext = {}): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (settings.name !== undefined && !SLUG_PATTERN.test(settings.name)) issues.push({ path: "name", reason: "name-invalid", params: {} });
  const image = settings.image.trim();
  if (!image) issues.push({ path: "image", reason: "image-required", params: {} });
  else if (/\s/.test(image)) issues.push({ path: "image", reason: "image-spaces", params: {} });

  const keys = new Set<string>();
  for (const [i, { key }] of settings.env.entries()) {
    if (!ENV_KEY_PATTERN.test(key)) issues.push({ path: `env.${i}.key`, reason: "env-key-invalid", params: { key } });
    else if (keys.has(key)) issues.push({ path: `env.${i}.key`, reason: "env-duplicate", params: { key } });
    keys.add(key);
  }

  const published = new Set<string>();
  for (const [i, p] of settings.ports.entries()) {
    if (!validPort(p.containerPort)) {
      issues.push({ path: `ports.${i}.containerPort`, reason: "port-invalid", params: { min: PORT_MIN, max: PORT_MAX } });
    }
    if (!validPort(p.hostPort)) {
      issues.push({ path: `ports.${i}.hostPort`, reason: "port-invalid", params: { min: PORT_MIN, max: PORT_MAX } });
      continue;
    }
    const port = `${p.hostPort}/${p.protocol}`;
    const taken = context.portsInUse?.find((u) => u.hostPort === p.hostPort && u.protocol === p.protocol);
    if (published.has(port)) issues.push({ path: `ports.${i}.hostPort`, reason: "host-port-duplicate", params: { port } });
    else if (taken) issues.push({ path: `ports.${i}.hostPort`, reason: "host-port-taken", params: { port, workload: taken.workload } });
    published.add(port);
  }

  issues.push(...volumeFieldIssues(settings.volumes));
  return issues;
}

/** The volumes' part of the check: at most one issue per target and one per source. */
export function volumeFieldIssues(volumes: FieldSettings["volumes"]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const targets = new Set<string>();
  for (const [i, v] of volumes.entries()) {
    const target = targetProblem(v.target, targets);
    if (target) issues.push(volumeIssue(i, "target", v.target, target));
    const source = sourceProblem(v.scope, v.source);
    if (source) issues.push(volumeIssue(i, "source", v.target, source));
  }
  return issues;
}

/** An issue in English, for logs, the CLI and API clients (the UI translates `errors.<reason>`). */
export function fieldIssueEnglish(issue: FieldIssue): string {
  const p = issue.params;
  switch (issue.reason) {
    case "name-invalid":
      return "name must be 1–40 characters of a-z, 0-9 and '-', starting and ending with a letter or digit";
    case "image-required":
      return "image is required";
    case "image-spaces":
      return "image must not contain spaces";
    case "env-key-invalid":
      return `Environment variable name "${p.key}" is not valid (letters, digits and _, not starting with a digit)`;
    case "env-duplicate":
      return `Environment variable ${p.key} is set twice`;
    case "port-invalid":
      return `${issue.path}: must be a port number from ${p.min} to ${p.max}`;
    case "host-port-duplicate":
      return `Host port ${p.port} is published twice`;
    case "host-port-taken":
      return `Host port ${p.port} is already published by workload ${p.workload}`;
    case "volume-problem":
      return `Volume "${p.target}": ${VOLUME_PROBLEMS[p.problem as VolumeProblem] ?? p.problem}`;
    default:
      return `${issue.path}: ${issue.reason}`;
  }
}
