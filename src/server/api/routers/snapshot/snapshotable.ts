import { describeSnapshotCoverage } from "~/server/engine/snapshots/coverage";
import { viewerProcedure } from "~/server/api/procedures";
import { workloadSnapshotsInput } from "./schemas";

export const snapshotableProcedure = viewerProcedure
  .input(workloadSnapshotsInput)
  .query(({ ctx, input }) => describeSnapshotCoverage(ctx.deps, ctx.actor, input.workloadId));
