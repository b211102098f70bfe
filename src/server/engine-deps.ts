import path from "node:path";
import { env } from "~/env";
import { createEngineDeps } from "./create-engine-deps";
import { db } from "./db";
import { KeyedLock } from "./engine/keyed-lock";
import { OperationHub } from "./engine/operations";

// The server's one set of engine adapters. Locks and progress must be process-wide: every
// deploy entrypoint (API, UI, boot recovery) has to see the same locks, and they survive
// dev-mode module reloads on globalThis.
const globalForDeps = globalThis as unknown as { berthLocks?: KeyedLock; berthOperations?: OperationHub };

export const engineDeps = createEngineDeps(
  db,
  {
    dataDir: path.resolve(env.BERTH_DATA_DIR),
    dockerHost: env.DOCKER_HOST,
    dockerNetwork: env.BERTH_DOCKER_NETWORK,
    absoluteRoots: env.BERTH_ABSOLUTE_ROOTS,
    allowForeignVolumes: env.BERTH_ALLOW_FOREIGN_VOLUMES,
    preRestoreKeep: env.BERTH_PRE_RESTORE_KEEP,
  },
  {
    locks: (globalForDeps.berthLocks ??= new KeyedLock()),
    operations: (globalForDeps.berthOperations ??= new OperationHub()),
  },
);
