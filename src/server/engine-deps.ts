import { createEngineDeps } from "./create-engine-deps";
import { db } from "./db";
import type { EngineDeps } from "./engine/deps";
import { engineSettingsFromEnv } from "./settings";

// The server's one set of engine deps. It must be one per process: the custom server's
// startup (recovery, undo copies) and Next's bundle load this module separately, and every
// entrypoint (API, UI, boot recovery) has to see the same locks, progress and restores.
// globalThis also carries it across dev-mode module reloads.
const globalForDeps = globalThis as unknown as { berthEngineDeps?: EngineDeps };

export const engineDeps: EngineDeps = (globalForDeps.berthEngineDeps ??= createEngineDeps(db, engineSettingsFromEnv()));
