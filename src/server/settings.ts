import path from "node:path";
import { z } from "zod";
import type { EngineSettings } from "./engine/deps";
import { unsafeAbsoluteRoot } from "./engine/volumes";

// The engine's settings, one schema for the server (src/env.ts spreads it into its own) and
// for every other process (CLI, bench, test children), which must not need the web settings.
export const engineEnvShape = {
  BERTH_DATA_DIR: z.string().min(1).default("./data"),
  // Read by database-url.ts (also for prisma.config.ts); checked here with the rest.
  DATABASE_URL: z
    .string()
    .regex(/^file:/, "only SQLite (file:...) URLs are supported for now")
    .optional(),
  DOCKER_HOST: z
    .string()
    .regex(/^(unix:\/\/|\/|tcp:\/\/|https?:\/\/)/, "must be unix:///path/to/docker.sock or tcp://host:port")
    .optional(),
  BERTH_DOCKER_NETWORK: z.string().min(1).default("bridge"),
  BERTH_ABSOLUTE_ROOTS: z
    .string()
    .default("")
    .transform((v) => v.split(":").filter(Boolean))
    .refine((roots) => roots.every((r) => r.startsWith("/") && !r.split("/").includes("..")), {
      message: "must be a colon-separated list of absolute paths without '..'",
    }),
  // Named Docker volumes Berth did not create (no berth.managed label) may be mounted.
  BERTH_ALLOW_FOREIGN_VOLUMES: z
    .enum(["0", "1"])
    .default("0")
    .transform((v) => v === "1"),
  BERTH_IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(50 * 1024 ** 3),
  // Pre-restore snapshots (undo copies) kept per workload, newest first; pinned ones are always kept.
  BERTH_PRE_RESTORE_KEEP: z.coerce.number().int().min(1).max(1000).default(3),
  // Scheduled captures at once; the others wait in order. Captures read whole volumes: one at a time spares the disk.
  BERTH_MAX_CONCURRENT_CAPTURES: z.coerce.number().int().min(1).max(64).default(1),
  // A scheduled run starts up to this many seconds after its time, at random, so runs sharing a minute spread out.
  BERTH_SCHEDULE_JITTER_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  // The snapshot filesystem counts as nearly full below this much free space, in percent (dashboard, alert).
  BERTH_DISK_LOW_PERCENT: z.coerce.number().min(0).max(100).default(10),
  // Each workload's newest snapshot and its off-host copies are verified again this often, in hours; 0 turns it off.
  BERTH_VERIFY_INTERVAL_HOURS: z.coerce
    .number()
    .min(0)
    .max(24 * 365)
    .default(24),
  // A test restore's check command is tried until it succeeds for this long: a database in the sandbox needs time to start.
  BERTH_TEST_RESTORE_CHECK_SECONDS: z.coerce.number().int().min(1).max(3600).default(90),
};

export class InvalidConfigurationError extends Error {
  constructor(lines: string[]) {
    super(`Invalid Berth configuration:\n${lines.map((l) => `  ${l}`).join("\n")}`);
    this.name = "InvalidConfigurationError";
  }
}

/** The engine's validated settings from the environment; a bad setting throws an error naming it. */
export function engineSettingsFromEnv(source: Record<string, string | undefined> = process.env): EngineSettings {
  // As src/env.ts does: an empty variable counts as unset.
  const given = Object.fromEntries(Object.keys(engineEnvShape).map((k) => [k, source[k] === "" ? undefined : source[k]]));
  const parsed = z.object(engineEnvShape).safeParse(given);
  if (!parsed.success) throw new InvalidConfigurationError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  const e = parsed.data;
  const dataDir = path.resolve(e.BERTH_DATA_DIR);
  // Roots that would hand a workload the host, the system's configuration, the Docker socket or
  // Berth's own data are refused with the rest of the configuration, before anything runs.
  const unsafe = e.BERTH_ABSOLUTE_ROOTS.map((root) => unsafeAbsoluteRoot(root, dataDir)).filter(Boolean);
  if (unsafe.length > 0) throw new InvalidConfigurationError([`BERTH_ABSOLUTE_ROOTS: ${unsafe.join("; ")}`]);
  return {
    dataDir,
    dockerHost: e.DOCKER_HOST,
    dockerNetwork: e.BERTH_DOCKER_NETWORK,
    absoluteRoots: e.BERTH_ABSOLUTE_ROOTS,
    allowForeignVolumes: e.BERTH_ALLOW_FOREIGN_VOLUMES,
    importMaxBytes: e.BERTH_IMPORT_MAX_BYTES,
    preRestoreKeep: e.BERTH_PRE_RESTORE_KEEP,
    maxConcurrentCaptures: e.BERTH_MAX_CONCURRENT_CAPTURES,
    scheduleJitterMs: e.BERTH_SCHEDULE_JITTER_SECONDS * 1000,
    diskLowPercent: e.BERTH_DISK_LOW_PERCENT,
    verifyIntervalMs: e.BERTH_VERIFY_INTERVAL_HOURS * 3600_000,
    testRestoreCheckMs: e.BERTH_TEST_RESTORE_CHECK_SECONDS * 1000,
  };
}
