import type { Db } from "./db";
import { createDockerClient } from "./docker/client";
import { createDockerRuntime } from "./docker/container-runtime";
import { KeyedLock } from "./engine/keyed-lock";
import { OperationHub } from "./engine/operations";
import type { SnapshotDeps } from "./engine/snapshots/capture";
import { logger } from "./logger";
import { lazySecretBox } from "./secret-key";

export interface EngineSettings {
  dataDir: string;
  dockerHost?: string;
  dockerNetwork: string;
  absoluteRoots: string[];
  allowForeignVolumes?: boolean;
  preRestoreKeep?: number;
}

/** The engine's adapters, for the server (once per process) and the CLI. */
export function createEngineDeps(db: Db, settings: EngineSettings, shared = { locks: new KeyedLock(), operations: new OperationHub() }): SnapshotDeps {
  return {
    db,
    runtime: createDockerRuntime(createDockerClient(settings.dockerHost), { networkMode: settings.dockerNetwork }),
    locks: shared.locks,
    operations: shared.operations,
    dataDir: settings.dataDir,
    absoluteRoots: settings.absoluteRoots,
    allowForeignVolumes: settings.allowForeignVolumes ?? false,
    preRestoreKeep: settings.preRestoreKeep ?? 3,
    secrets: lazySecretBox(settings.dataDir),
    log: logger,
  };
}
