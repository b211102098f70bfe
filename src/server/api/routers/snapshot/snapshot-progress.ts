import { engineDeps } from "../../../engine-deps";
import { viewerProcedure } from "../../procedures";
import { workloadSnapshotsInput } from "./schemas";

/** Server-sent progress of the workload's captures, imports and restores. */
export const snapshotProgressProcedure = viewerProcedure
  .input(workloadSnapshotsInput)
  .subscription(({ input, signal }) => engineDeps.operations.watch(input.workloadId, signal));
