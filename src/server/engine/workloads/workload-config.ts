import { z } from "zod";
import type { Workload } from "~/generated/prisma/client";
import { SECRET_MASK } from "~/shared/secret-mask";
import { VALIDATION_MESSAGES } from "~/shared/validation";
import { DomainError } from "../errors";
import type { SecretBox } from "../secret-box";
import { SLUG_PATTERN, VOLUME_SCOPES, type VolumeSpec } from "../volumes";

export const slugSchema = z.string().regex(SLUG_PATTERN, VALIDATION_MESSAGES.slug);

// Shapes and sizes only: what a value means (an env name, a port's range, the image, a volume's
// paths) is judged by workloadFieldIssues (src/shared/workload-fields.ts), every field at once.
export const envVarSchema = z.object({
  key: z.string().max(256),
  value: z.string().max(32_768),
  secret: z.boolean().default(false),
});

/**
 * How an env entry is stored: a secret's value is sealed (secret-box.ts) and `value` left
 * empty. Rows written before sealing existed hold the value in clear; they still read, and
 * are sealed at the next start or save.
 */
export const storedEnvVarSchema = envVarSchema.extend({ sealed: z.string().optional() });
export type EnvVar = z.infer<typeof envVarSchema>;
export type StoredEnvVar = z.infer<typeof storedEnvVarSchema>;

export { SECRET_MASK };

export const portSchema = z.object({
  hostPort: z.number(),
  containerPort: z.number(),
  protocol: z.enum(["tcp", "udp"]).default("tcp"),
});

export const volumeSpecSchema = z.object({
  target: z.string().min(1).max(4096),
  scope: z.enum(VOLUME_SCOPES),
  source: z.string().max(4096),
  readOnly: z.boolean().optional(),
});

export const restartPolicySchema = z.enum(["no", "always", "unless-stopped", "on-failure"]);

export const workloadSettingsSchema = z.object({
  image: z.string().trim().max(512),
  command: z.array(z.string().max(4096)).max(256).default([]),
  env: z.array(envVarSchema).max(512).default([]),
  ports: z.array(portSchema).max(64).default([]),
  restartPolicy: restartPolicySchema.default("unless-stopped"),
  volumes: z.array(volumeSpecSchema).max(64).default([]),
  labels: z.record(z.string().max(256), z.string().max(4096)).default({}),
});
export type WorkloadSettings = z.infer<typeof workloadSettingsSchema>;

export interface WorkloadConfig extends Omit<WorkloadSettings, "env"> {
  env: StoredEnvVar[];
  id: string;
  name: string;
  projectId: string;
  stageId: string;
  sourceKind: string;
  desiredState: "running" | "stopped";
  createdAt: Date;
  updatedAt: Date;
}

function parseJson<T>(schema: z.ZodType<T>, text: string, field: string, id: string): T {
  const parsed = schema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`workload ${id}: stored ${field} is invalid: ${parsed.error.message}`);
  return parsed.data;
}

/** A stored row, its JSON columns parsed and checked. */
export function workloadFromRow(row: Workload): WorkloadConfig {
  // appliedConfig (the deployed copy, env values inside) stays out of config: loadWorkload hands it on apart.
  const { command, env, ports, volumes, labels, restartPolicy, desiredState, appliedConfig: _applied, appliedAt: _at, ...rest } = row;
  return {
    ...rest,
    command: parseJson(workloadSettingsSchema.shape.command, command, "command", row.id),
    env: parseJson(z.array(storedEnvVarSchema), env, "env", row.id),
    ports: parseJson(workloadSettingsSchema.shape.ports, ports, "ports", row.id),
    volumes: parseJson(workloadSettingsSchema.shape.volumes, volumes, "volumes", row.id) as VolumeSpec[],
    labels: parseJson(workloadSettingsSchema.shape.labels, labels, "labels", row.id),
    restartPolicy: restartPolicySchema.parse(restartPolicy),
    desiredState: desiredState === "running" ? "running" : "stopped",
  };
}

/** A stored entry's value in clear. */
function openEnvVar(e: StoredEnvVar, secrets: SecretBox): string {
  return e.sealed === undefined ? e.value : secrets.open(e.sealed);
}

/** The entry as it goes to the database: a secret sealed, anything else in clear. */
export function sealEnvVar(e: StoredEnvVar, secrets: SecretBox): StoredEnvVar {
  if (!e.secret) return { key: e.key, value: openEnvVar(e, secrets), secret: false };
  if (e.sealed !== undefined) return { key: e.key, value: "", secret: true, sealed: e.sealed };
  return { key: e.key, value: "", secret: true, sealed: secrets.seal(e.value) };
}

/** The container's environment, secrets in clear; a key that cannot open a secret throws. */
export function containerEnv(env: StoredEnvVar[], secrets: SecretBox): Record<string, string> {
  return Object.fromEntries(env.map((e) => [e.key, openEnvVar(e, secrets)]));
}

/**
 * The env as a client sees it, never with the sealed form: secrets masked, or in clear when
 * `secrets` is given (admins). A secret this server's key cannot open (another key, damaged)
 * shows as the mask, so the admin can still open the form and enter it again; deploying it
 * fails with a clear error.
 */
export function envForView(env: StoredEnvVar[], secrets: SecretBox | null): EnvVar[] {
  const reveal = (e: StoredEnvVar) => {
    if (!secrets) return SECRET_MASK;
    try {
      return openEnvVar(e, secrets);
    } catch (error) {
      if (error instanceof DomainError) return SECRET_MASK;
      throw error;
    }
  };
  return env.map((e) => ({ key: e.key, value: e.secret ? reveal(e) : e.value, secret: e.secret }));
}

/** The settings as columns; workloadFieldIssues has passed them (duplicates, formats) before. */
export function settingsToColumns(settings: Omit<WorkloadSettings, "env"> & { env: StoredEnvVar[] }, secrets: SecretBox) {
  return {
    image: settings.image,
    command: JSON.stringify(settings.command),
    env: JSON.stringify(settings.env.map((e) => sealEnvVar(e, secrets))),
    ports: JSON.stringify(settings.ports),
    restartPolicy: settings.restartPolicy,
    volumes: JSON.stringify(settings.volumes),
    labels: JSON.stringify(settings.labels),
  };
}
