import { pinSnapshot } from "~/server/engine/snapshots/snapshot-store";
import { adminProcedure } from "~/server/api/procedures";
import { pinSnapshotInput } from "./schemas";

export const pinSnapshotProcedure = adminProcedure
  .input(pinSnapshotInput)
  .mutation(({ ctx, input }) => pinSnapshot(ctx.deps, ctx.actor, input));
