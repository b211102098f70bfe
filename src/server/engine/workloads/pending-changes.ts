import { z } from "zod";
import { DomainError } from "../errors";
import type { SecretBox } from "../secret-box";
import { storedEnvVarSchema, type StoredEnvVar, type WorkloadConfig, workloadSettingsSchema } from "./workload-config";

/** The settings a container was deployed with, as stored in `Workload.appliedConfig` (env sealed as in the row). */
const appliedConfigSchema = workloadSettingsSchema.omit({ env: true }).extend({ env: z.array(storedEnvVarSchema) });
export type AppliedConfig = z.infer<typeof appliedConfigSchema>;

export const PENDING_FIELDS = ["image", "command", "env", "ports", "restartPolicy", "volumes", "labels"] as const;
export type PendingField = (typeof PENDING_FIELDS)[number];

/**
 * One saved setting the running container does not have yet. `key` names the entry of a
 * list (env or label key, port `8080/tcp`, volume target). `before`/`after` are absent when
 * the entry did not exist on that side, or when the value is not shown (a secret, or any
 * env value to a viewer): the UI then only says the value changed.
 */
export interface PendingChange {
  field: PendingField;
  key?: string;
  change: "added" | "removed" | "changed";
  before?: string | string[];
  after?: string | string[];
}

/** What deployUnderLock stores: the settings columns it deployed, parsed (env as stored: secrets sealed). */
export function appliedConfigOf(config: WorkloadConfig): string {
  const { image, command, env, ports, restartPolicy, volumes, labels } = config;
  return JSON.stringify({ image, command, env, ports, restartPolicy, volumes, labels } satisfies AppliedConfig);
}

export function parseAppliedConfig(text: string): AppliedConfig | null {
  try {
    const parsed = appliedConfigSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** A secret's clear value, or undefined when no key of the box opens it. */
function clearValue(e: StoredEnvVar, secrets: SecretBox): string | undefined {
  if (e.sealed === undefined) return e.value;
  try {
    return secrets.open(e.sealed);
  } catch (error) {
    if (error instanceof DomainError) return undefined;
    throw error;
  }
}

/**
 * Same variable? The sealed string of an unchanged secret is the very string stored before
 * (the form sends the mask back); one sealed again (the admin re-typed it, or a key rotation)
 * compares by opening both. One that no longer opens counts as changed.
 */
function sameEnv(a: StoredEnvVar, b: StoredEnvVar, secrets: SecretBox): boolean {
  if (a.secret !== b.secret) return false;
  if (a.sealed !== undefined && a.sealed === b.sealed) return true;
  const [x, y] = [clearValue(a, secrets), clearValue(b, secrets)];
  return x !== undefined && x === y;
}

/** Keyed entries compared one by one: added, removed, or changed (values through `show`, undefined hides them). */
function diffKeyed<T>(
  field: PendingField,
  before: Map<string, T>,
  after: Map<string, T>,
  same: (a: T, b: T) => boolean,
  show: (v: T) => string | undefined,
): PendingChange[] {
  const changes: PendingChange[] = [];
  const keys = [...new Set([...before.keys(), ...after.keys()])];
  for (const key of keys) {
    const [b, a] = [before.get(key), after.get(key)];
    if (b !== undefined && a !== undefined && same(b, a)) continue;
    const change = b === undefined ? "added" : a === undefined ? "removed" : "changed";
    const entry: PendingChange = { field, key, change };
    const shownBefore = b === undefined ? undefined : show(b);
    const shownAfter = a === undefined ? undefined : show(a);
    if (shownBefore !== undefined) entry.before = shownBefore;
    if (shownAfter !== undefined) entry.after = shownAfter;
    changes.push(entry);
  }
  return changes;
}

const portKey = (p: { hostPort: number; protocol: string }) => `${p.hostPort}/${p.protocol}`;
const portText = (p: { hostPort: number; containerPort: number; protocol: string }) => `${p.hostPort} → ${p.containerPort}/${p.protocol}`;
const volumeText = (v: { scope: string; source: string; readOnly?: boolean }) => `${v.scope}:${v.source}${v.readOnly ? ":ro" : ""}`;

/**
 * What was saved since the container was deployed. Order does not matter for env, ports,
 * volumes (by target) or labels: Docker applies them as sets. `revealEnv` is false for
 * viewers (no env value at all); secret values are never shown, not even to admins.
 */
export function pendingChanges(applied: AppliedConfig, saved: WorkloadConfig, secrets: SecretBox, revealEnv: boolean): PendingChange[] {
  const changes: PendingChange[] = [];
  if (applied.image !== saved.image) changes.push({ field: "image", change: "changed", before: applied.image, after: saved.image });
  if (JSON.stringify(applied.command) !== JSON.stringify(saved.command)) {
    changes.push({ field: "command", change: "changed", before: applied.command, after: saved.command });
  }
  const envMap = (env: StoredEnvVar[]) => new Map(env.map((e) => [e.key, e]));
  // Both sides hidden when either is a secret: a variable made secret keeps its value out of view too.
  const secretOnEitherSide = new Set([...applied.env, ...saved.env].filter((e) => e.secret).map((e) => e.key));
  changes.push(
    ...diffKeyed(
      "env",
      envMap(applied.env),
      envMap(saved.env),
      (a, b) => sameEnv(a, b, secrets),
      (e) => (revealEnv && !secretOnEitherSide.has(e.key) ? e.value : undefined),
    ),
  );
  const portMap = (ports: AppliedConfig["ports"]) => new Map(ports.map((p) => [portKey(p), p]));
  changes.push(...diffKeyed("ports", portMap(applied.ports), portMap(saved.ports), (a, b) => portText(a) === portText(b), portText));
  if (applied.restartPolicy !== saved.restartPolicy) {
    changes.push({ field: "restartPolicy", change: "changed", before: applied.restartPolicy, after: saved.restartPolicy });
  }
  const volumeMap = (volumes: AppliedConfig["volumes"]) => new Map(volumes.map((v) => [v.target, v]));
  changes.push(
    ...diffKeyed("volumes", volumeMap(applied.volumes), volumeMap(saved.volumes), (a, b) => volumeText(a) === volumeText(b), volumeText),
  );
  const labelMap = (labels: Record<string, string>) => new Map(Object.entries(labels));
  changes.push(
    ...diffKeyed(
      "labels",
      labelMap(applied.labels),
      labelMap(saved.labels),
      (a, b) => a === b,
      (v) => v,
    ),
  );
  return changes;
}

export interface PendingState {
  /** null: what runs is what is saved, or not known (see below) */
  pendingChanges: PendingChange[] | null;
  /** never deployed by a version that records what it deployed, and no container exists */
  neverDeployed: boolean;
}

/**
 * The view's "saved, not applied" state. A workload deployed before appliedConfig existed
 * (null, but a container exists) is unknown: no marker rather than a guess; its next deploy
 * records it. A stored value that no longer parses is treated the same way.
 */
export function pendingState(
  row: { appliedConfig: string | null },
  saved: WorkloadConfig,
  containerExists: boolean,
  secrets: SecretBox,
  revealEnv: boolean,
): PendingState {
  if (row.appliedConfig === null) return { pendingChanges: null, neverDeployed: !containerExists };
  const applied = parseAppliedConfig(row.appliedConfig);
  if (!applied) return { pendingChanges: null, neverDeployed: false };
  const changes = pendingChanges(applied, saved, secrets, revealEnv);
  return { pendingChanges: changes.length > 0 ? changes : null, neverDeployed: false };
}
