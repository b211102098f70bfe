// A separate process for the crash matrix: `restore <workloadId> <snapshotId>`, `recover` or `startup`,
// against the test database and engine named in the environment. BERTH_CRASH_AT makes it
// SIGKILL itself at that point (src/server/engine/restore/crash-points.ts).
import { createEngineDeps } from "~/server/create-engine-deps";
import { createDb } from "~/server/db";
import { systemActor } from "~/server/engine/actor";
import { recoverInterruptedRestores } from "~/server/engine/restore/recovery";
import { restoreSnapshot } from "~/server/engine/restore/restore";

const [command, workloadId, snapshotId] = process.argv.slice(2);
const db = createDb();
const deps = createEngineDeps(db, {
  dataDir: process.env.BERTH_DATA_DIR!,
  dockerHost: process.env.DOCKER_HOST,
  dockerNetwork: "none",
  absoluteRoots: [],
});
try {
  if (command === "restore") {
    await restoreSnapshot(deps, systemActor("test:child"), { workloadId: workloadId!, snapshotId: snapshotId!, confirm: snapshotId! });
  } else if (command === "startup") {
    // The server's boot, without Next: takes the data dir lock, then recovers.
    await (await import("~/server/startup")).runStartupTasks();
  } else {
    console.log(JSON.stringify(await recoverInterruptedRestores(deps, systemActor("test:recovery"))));
  }
} finally {
  await db.$disconnect();
}
