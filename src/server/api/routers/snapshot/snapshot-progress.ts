import { viewerProcedure } from "~/server/api/procedures";
import { workloadSnapshotsInput } from "./schemas";

/** Server-sent progress of the workload's captures, imports and restores. */
export const snapshotProgressProcedure = viewerProcedure
  .input(workloadSnapshotsInput)
  .subscription(({ ctx, input, signal }) => ctx.deps.operations.watch(input.workloadId, signal));
