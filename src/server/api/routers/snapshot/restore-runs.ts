import { listRestoreRuns } from "../../../engine/restore/restore-runs";
import { viewerProcedure } from "../../procedures";
import { workloadSnapshotsInput } from "./schemas";

export const restoreRunsProcedure = viewerProcedure
  .input(workloadSnapshotsInput)
  .query(({ ctx, input }) => listRestoreRuns(ctx.db, input.workloadId));
