import { router } from "~/server/api/procedures";
import { copySnapshotProcedure } from "./copy-snapshot";
import { createSnapshotProcedure } from "./create-snapshot";
import { deleteSnapshotProcedure } from "./delete-snapshot";
import { fetchCopyProcedure } from "./fetch-copy";
import { getSnapshotProcedure } from "./get-snapshot";
import { listSnapshotsProcedure } from "./list-snapshots";
import { pinSnapshotProcedure } from "./pin-snapshot";
import { restoreRunsProcedure } from "./restore-runs";
import { restoreSnapshotProcedure } from "./restore-snapshot";
import { snapshotCopiesProcedure } from "./snapshot-copies";
import { snapshotProgressProcedure } from "./snapshot-progress";
import { snapshotableProcedure } from "./snapshotable";
import { testRestoreProcedure, testRestoresProcedure } from "./test-restore";
import { undoRestoreProcedure } from "./undo-restore";
import { verifySnapshotProcedure } from "./verify-snapshot";

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
  copies: snapshotCopiesProcedure,
  copy: copySnapshotProcedure,
  fetchCopy: fetchCopyProcedure,
  verify: verifySnapshotProcedure,
  testRestore: testRestoreProcedure,
  testRestores: testRestoresProcedure,
});
