import { z } from "zod";
import type { Workload } from "~/generated/prisma/client";
import { badRequest } from "../errors";
import { SLUG_PATTERN, VOLUME_SCOPES, type VolumeSpec } from "../volumes";

export const slugSchema = z
  .string()
  .regex(SLUG_PATTERN, "must be 1–40 characters of a-z, 0-9 and '-', starting and ending with a letter or digit");

export const envVarSchema = z.object({
  key: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a valid environment variable name"),
  value: z.string().max(32_768),
  secret: z.boolean().default(false),
});

export const portSchema = z.object({
  hostPort: z.number().int().min(1).max(65_535),
  containerPort: z.number().int().min(1).max(65_535),
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
  image: z.string().trim().min(1, "image is required").max(512).regex(/^[^\s]+$/, "image must not contain spaces"),
  command: z.array(z.string().max(4096)).max(256).default([]),
  env: z.array(envVarSchema).max(512).default([]),
  ports: z.array(portSchema).max(64).default([]),
  restartPolicy: restartPolicySchema.default("unless-stopped"),
  volumes: z.array(volumeSpecSchema).max(64).default([]),
  labels: z.record(z.string().max(256), z.string().max(4096)).default({}),
});
export type WorkloadSettings = z.infer<typeof workloadSettingsSchema>;

export interface WorkloadConfig extends WorkloadSettings {
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
  const { command, env, ports, volumes, labels, restartPolicy, desiredState, ...rest } = row;
  return {
    ...rest,
    command: parseJson(workloadSettingsSchema.shape.command, command, "command", row.id),
    env: parseJson(workloadSettingsSchema.shape.env, env, "env", row.id),
    ports: parseJson(workloadSettingsSchema.shape.ports, ports, "ports", row.id),
    volumes: parseJson(workloadSettingsSchema.shape.volumes, volumes, "volumes", row.id) as VolumeSpec[],
    labels: parseJson(workloadSettingsSchema.shape.labels, labels, "labels", row.id),
    restartPolicy: restartPolicySchema.parse(restartPolicy),
    desiredState: desiredState === "running" ? "running" : "stopped",
  };
}

export function settingsToColumns(settings: WorkloadSettings) {
  const keys = new Set<string>();
  for (const { key } of settings.env) {
    if (keys.has(key)) throw badRequest(`Environment variable ${key} is set twice`);
    keys.add(key);
  }
  const hostPorts = new Set<string>();
  for (const p of settings.ports) {
    const id = `${p.hostPort}/${p.protocol}`;
    if (hostPorts.has(id)) throw badRequest(`Host port ${id} is published twice`);
    hostPorts.add(id);
  }
  return {
    image: settings.image,
    command: JSON.stringify(settings.command),
    env: JSON.stringify(settings.env),
    ports: JSON.stringify(settings.ports),
    restartPolicy: settings.restartPolicy,
    volumes: JSON.stringify(settings.volumes),
    labels: JSON.stringify(settings.labels),
  };
}
