import { env } from "~/env";
import { lockDataDir } from "./data-dir-lock";
import { systemActor } from "./engine/actor";
import { recoverAtStart } from "./engine/restore/recovery";
import { seedFirstAdmin } from "./engine/users";
import { Scheduler } from "./engine/schedules/scheduler";
import { CopyWorker } from "./engine/storage/copy-worker";
import { recoverTestRestores } from "./engine/verify/test-restore";
import { resealSecrets } from "./engine/workloads/reseal-secrets";
import { removeNestedContainers } from "./engine/workloads/workloads";
import { engineDeps } from "./engine-deps";
import { logger } from "./logger";

// Once per process: the custom server (main.ts) runs these before it listens, and Next's
// instrumentation hook, loaded from its own bundle, must find them done rather than repeat them.
const once = globalThis as unknown as { berthStartup?: Promise<void> };
export function runStartupTasks(): Promise<void> {
  return (once.berthStartup ??= startupTasks());
}

async function startupTasks(): Promise<void> {
  // One Berth per data dir, held until exit: a second server or `berth recover` would run
  // recovery beside ours, or undo a restore we are running.
  await lockDataDir(engineDeps.dataDir);
  // Under the lock, which `berth secrets rotate-key` takes too. Reading the key that seals
  // secret env values creates it at first start; its id is what "sealed with another secret
  // key" errors name.
  logger.info({ keyId: engineDeps.secrets.keyId }, "secret key loaded");
  // Secret env values still in clear (stored before sealing existed) are sealed now.
  const sealed = await resealSecrets(engineDeps);
  if (sealed.resealed > 0) logger.info({ rows: sealed.resealed }, "sealed secret values stored in clear or with the previous key");
  if (sealed.unreadable.length > 0)
    logger.error({ unreadable: sealed.unreadable }, "secret values sealed with another secret key cannot be read");
  // Containers of an older version whose binds nest would escape to the host at their next restart.
  await removeNestedContainers(engineDeps, systemActor("berth:startup")).catch((error: unknown) =>
    logger.warn({ err: error }, "could not check the containers' bind mounts (Docker unreachable?)"),
  );
  // Before anything is served: a restore cut short by a crash is finished or undone; leftovers
  // of cut-short writes go, lost files are flagged; undo copies not saved yet are resumed.
  const recovered = await recoverAtStart(engineDeps, systemActor("berth:recovery"));
  for (const r of recovered) logger.warn(r, "recovered an interrupted restore");
  // A test restore a stop cut short: its throwaway container and sandbox go, its record says so.
  const tests = await recoverTestRestores(engineDeps);
  if (tests.interrupted > 0 || tests.containers > 0 || tests.folders > 0)
    logger.warn(tests, "cleaned up test restores cut short by a stop");

  const seeded = await seedFirstAdmin(engineDeps, { email: env.BERTH_ADMIN_EMAIL, password: env.BERTH_ADMIN_PASSWORD });
  if (seeded === "created") logger.info({ email: env.BERTH_ADMIN_EMAIL }, "created the first admin from BERTH_ADMIN_EMAIL");
  if (seeded === "missing-env") {
    logger.warn(
      "no users yet: set BERTH_ADMIN_EMAIL and BERTH_ADMIN_PASSWORD and restart, " +
        "or run: npx berth user add --email you@example.com --role admin",
    );
  }
  // Last, on recovered data: a run a stop cut short is marked interrupted, a run missed while the
  // server was down is made up (once), and the schedules run from now on.
  await new Scheduler(engineDeps).start();
  // Off-host copies a stop cut short resume; new snapshots are copied, and verified on their interval.
  await new CopyWorker(engineDeps).start();
}
