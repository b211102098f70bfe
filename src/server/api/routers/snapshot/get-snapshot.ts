import { getSnapshot } from "~/server/engine/snapshots/snapshot-store";
import { viewerProcedure } from "~/server/api/procedures";
import { snapshotIdInput } from "./schemas";

export const getSnapshotProcedure = viewerProcedure
  .input(snapshotIdInput)
  .query(({ ctx, input }) => getSnapshot(ctx.deps, ctx.actor, input.id));
