import path from "node:path";
import { env } from "~/env";
import { db } from "./db";
import { createDockerRuntime } from "./docker/container-runtime";
import { dockerEngine } from "./docker/instance";
import { KeyedLock } from "./engine/keyed-lock";
import type { WorkloadDeps } from "./engine/workloads/workloads";

// The server's one set of engine adapters. The lock map must be process-wide: every
// deploy entrypoint (API, UI, boot recovery) has to see the same locks.
const globalForDeps = globalThis as unknown as { berthLocks?: KeyedLock };
const locks = (globalForDeps.berthLocks ??= new KeyedLock());

export const engineDeps: WorkloadDeps = {
  db,
  runtime: createDockerRuntime(dockerEngine.client, { networkMode: env.BERTH_DOCKER_NETWORK }),
  locks,
  dataDir: path.resolve(env.BERTH_DATA_DIR),
  absoluteRoots: env.BERTH_ABSOLUTE_ROOTS,
};
