import { listRestoreRuns } from "~/server/engine/restore/restore-runs";
import { viewerProcedure } from "~/server/api/procedures";
import { workloadSnapshotsInput } from "./schemas";

export const restoreRunsProcedure = viewerProcedure
  .input(workloadSnapshotsInput)
  .query(({ ctx, input }) => listRestoreRuns(ctx.deps, ctx.actor, input));
