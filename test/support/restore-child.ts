// A separate process for the crash matrix: `restore <workloadId> <snapshotId>`,
// `restore-undo <workloadId> <snapshotId>` (a restore, then at once its O(1) undo), `recover`
// or `startup`, against the test database and engine named in the environment. Each waits for
// the background undo copies, as a server would finish them. BERTH_CRASH_AT makes it SIGKILL
// itself at that point (src/server/engine/restore/crash-points.ts).
import { createEngineDeps } from "~/server/create-engine-deps";
import { createDb } from "~/server/db";
import { systemActor } from "~/server/engine/actor";
import { recoverAtStart } from "~/server/engine/restore/recovery";
import { restoreSnapshot } from "~/server/engine/restore/restore";
import { waitForRestoreBackground } from "~/server/engine/restore/undo-copy";
import { undoRestore } from "~/server/engine/restore/undo-restore";

const [command, workloadId, snapshotId] = process.argv.slice(2);
const db = createDb();
const deps = createEngineDeps(db, {
  dataDir: process.env.BERTH_DATA_DIR!,
  dockerHost: process.env.DOCKER_HOST,
  dockerNetwork: "none",
  absoluteRoots: [],
});
const actor = systemActor("test:child");
try {
  if (command === "restore" || command === "restore-undo") {
    const run = await restoreSnapshot(deps, actor, { workloadId: workloadId!, snapshotId: snapshotId!, confirm: snapshotId! });
    if (command === "restore-undo") await undoRestore(deps, actor, { workloadId: workloadId!, restoreRunId: run.restoreRunId, confirm: run.restoreRunId });
  } else if (command === "startup") {
    // The server's boot, without Next: takes the data dir lock, then recovers.
    await (await import("~/server/startup")).runStartupTasks();
  } else {
    const reports = await recoverAtStart(deps, systemActor("test:recovery"), { info: () => {}, warn: () => {} });
    console.log(JSON.stringify(reports));
  }
  await waitForRestoreBackground();
} finally {
  await db.$disconnect();
}
