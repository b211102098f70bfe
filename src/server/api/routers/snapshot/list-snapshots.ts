import { listSnapshots } from "~/server/engine/snapshots/snapshot-store";
import { viewerProcedure } from "~/server/api/procedures";
import { listSnapshotsInput } from "./schemas";

export const listSnapshotsProcedure = viewerProcedure
  .input(listSnapshotsInput)
  .query(({ ctx, input }) => listSnapshots(ctx.deps, ctx.actor, input));
