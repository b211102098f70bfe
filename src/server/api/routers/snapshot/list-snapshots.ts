import { listSnapshots } from "../../../engine/snapshots/snapshot-store";
import { viewerProcedure } from "../../procedures";
import { listSnapshotsInput } from "./schemas";

export const listSnapshotsProcedure = viewerProcedure
  .input(listSnapshotsInput)
  .query(({ ctx, input }) => listSnapshots(ctx.db, input.workloadId));
