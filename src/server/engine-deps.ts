import path from "node:path";
import { env } from "~/env";
import { db } from "./db";
import { createDockerRuntime } from "./docker/container-runtime";
import { dockerEngine } from "./docker/instance";
import { KeyedLock } from "./engine/keyed-lock";
import { OperationHub } from "./engine/operations";
import type { SnapshotDeps } from "./engine/snapshots/capture";

// The server's one set of engine adapters. The lock map must be process-wide: every
// deploy entrypoint (API, UI, boot recovery) has to see the same locks.
const globalForDeps = globalThis as unknown as { berthLocks?: KeyedLock; berthOperations?: OperationHub };
const locks = (globalForDeps.berthLocks ??= new KeyedLock());
const operations = (globalForDeps.berthOperations ??= new OperationHub());

export const engineDeps: SnapshotDeps = {
  db,
  runtime: createDockerRuntime(dockerEngine.client, { networkMode: env.BERTH_DOCKER_NETWORK }),
  locks,
  dataDir: path.resolve(env.BERTH_DATA_DIR),
  absoluteRoots: env.BERTH_ABSOLUTE_ROOTS,
  operations,
};
