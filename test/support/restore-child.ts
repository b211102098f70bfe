// A separate process for the crash matrix: `restore <workloadId> <snapshotId>`,
// `restore-undo <workloadId> <snapshotId>` (a restore, then at once its O(1) undo), `recover`
// or `startup`, against the test database and engine named in the environment. Each waits for
// the background undo copies, as a server would finish them. It uses the server's own deps
// (src/server/engine-deps.ts), as `startup` does. BERTH_CRASH_AT makes it SIGKILL
// itself at that point (src/server/engine/restore/crash-points.ts).
import { engineDeps as deps } from "~/server/engine-deps";
import { systemActor } from "~/server/engine/actor";
import { recoverAtStart } from "~/server/engine/restore/recovery";
import { restoreSnapshot } from "~/server/engine/restore/restore";
import { undoRestore } from "~/server/engine/restore/undo-restore";

const [command, workloadId, snapshotId] = process.argv.slice(2);
const actor = systemActor("test:child");
try {
  if (command === "restore" || command === "restore-undo") {
    const run = await restoreSnapshot(deps, actor, { workloadId: workloadId!, snapshotId: snapshotId!, confirm: snapshotId! });
    if (command === "restore-undo")
      await undoRestore(deps, actor, { workloadId: workloadId!, restoreRunId: run.restoreRunId, confirm: run.restoreRunId });
  } else if (command === "startup") {
    // The server's boot, without Next: takes the data dir lock, then recovers.
    await (await import("~/server/startup")).runStartupTasks();
  } else {
    const reports = await recoverAtStart(deps, systemActor("test:recovery"));
    console.log(JSON.stringify(reports));
  }
  await deps.restores.settled();
} finally {
  await deps.db.$disconnect();
}
