import { describeSnapshotCoverage } from "../../../engine/snapshots/coverage";
import { engineDeps } from "../../../engine-deps";
import { viewerProcedure } from "../../procedures";
import { workloadSnapshotsInput } from "./schemas";

export const snapshotableProcedure = viewerProcedure
  .input(workloadSnapshotsInput)
  .query(({ input }) => describeSnapshotCoverage(engineDeps, input.workloadId));
