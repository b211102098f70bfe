import { env } from "~/env";
import { db } from "./db";
import { systemActor } from "./engine/actor";
import { recoverInterruptedRestores } from "./engine/restore/recovery";
import { seedFirstAdmin } from "./engine/users";
import { engineDeps } from "./engine-deps";
import { logger } from "./logger";

// Once per process: the custom server (main.ts) runs these before it listens, and Next's
// instrumentation hook, loaded from its own bundle, must find them done rather than repeat them.
const once = globalThis as unknown as { berthStartup?: Promise<void> };
export function runStartupTasks(): Promise<void> {
  return (once.berthStartup ??= startupTasks());
}

async function startupTasks(): Promise<void> {
  // Before anything is served: a restore cut short by a crash is finished or undone.
  const recovered = await recoverInterruptedRestores(engineDeps, systemActor("berth:recovery"));
  for (const r of recovered) logger.warn(r, "recovered an interrupted restore");

  const seeded = await seedFirstAdmin(db, { email: env.BERTH_ADMIN_EMAIL, password: env.BERTH_ADMIN_PASSWORD });
  if (seeded === "created") logger.info({ email: env.BERTH_ADMIN_EMAIL }, "created the first admin from BERTH_ADMIN_EMAIL");
  if (seeded === "missing-env") {
    logger.warn(
      "no users yet: set BERTH_ADMIN_EMAIL and BERTH_ADMIN_PASSWORD and restart, " +
        "or run: npx berth user add --email you@example.com --role admin",
    );
  }
}
