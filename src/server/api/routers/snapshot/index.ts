import { router } from "~/server/api/procedures";
import { createSnapshotProcedure } from "./create-snapshot";
import { deleteSnapshotProcedure } from "./delete-snapshot";
import { getSnapshotProcedure } from "./get-snapshot";
import { listSnapshotsProcedure } from "./list-snapshots";
import { pinSnapshotProcedure } from "./pin-snapshot";
import { restoreRunsProcedure } from "./restore-runs";
import { restoreSnapshotProcedure } from "./restore-snapshot";
import { snapshotProgressProcedure } from "./snapshot-progress";
import { snapshotableProcedure } from "./snapshotable";
import { undoRestoreProcedure } from "./undo-restore";

export const snapshotRouter = router({
  list: listSnapshotsProcedure,
  get: getSnapshotProcedure,
  snapshotable: snapshotableProcedure,
  create: createSnapshotProcedure,
  delete: deleteSnapshotProcedure,
  progress: snapshotProgressProcedure,
  restore: restoreSnapshotProcedure,
  restoreRuns: restoreRunsProcedure,
  undoRestore: undoRestoreProcedure,
  pin: pinSnapshotProcedure,
});
