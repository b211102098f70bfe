import type { Db } from "./db";
import { AlertDeliveries } from "./engine/alerts/alert-deliveries";
import { systemClock } from "./engine/clock";
import { createDockerClient } from "./docker/client";
import { createDockerRuntime } from "./docker/container-runtime";
import type { EngineDeps, EngineSettings } from "./engine/deps";
import { KeyedLock } from "./engine/keyed-lock";
import { OperationHub } from "./engine/operations";
import { RestoreTasks } from "./engine/restore/restore-tasks";
import { ScheduleTasks } from "./engine/schedules/schedule-tasks";
import { CopyTasks } from "./engine/storage/copy-tasks";
import { createSignInLimiter } from "./engine/sign-in";
import { StatsCache } from "./engine/workloads/stats-cache";
import { logger } from "./logger";
import { lazySecretBox } from "./secret-key";

/**
 * The composition root: the engine's adapters and per-process state, from validated
 * settings (engineSettingsFromEnv). The server builds one (engine-deps.ts), as do the CLI,
 * the bench's children and the tests; `overrides` puts a fake at a seam a test is not testing.
 */
export function createEngineDeps(db: Db, settings: EngineSettings, overrides: Partial<EngineDeps> = {}): EngineDeps {
  const { dockerHost, dockerNetwork, maxConcurrentCaptures, verifyIntervalMs, ...rest } = settings;
  return {
    ...rest,
    db,
    clock: systemClock,
    runtime: overrides.runtime ?? createDockerRuntime(createDockerClient(dockerHost), { networkMode: dockerNetwork }),
    locks: new KeyedLock(),
    operations: new OperationHub(),
    restores: new RestoreTasks(),
    schedules: new ScheduleTasks(maxConcurrentCaptures),
    alerts: new AlertDeliveries(),
    copies: new CopyTasks({ verifyIntervalMs }),
    signInLimiter: createSignInLimiter(),
    stats: new StatsCache(),
    secrets: lazySecretBox(settings.dataDir),
    log: logger,
    ...overrides,
  };
}
