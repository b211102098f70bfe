import { createSnapshot } from "~/server/engine/snapshots/capture";
import { adminProcedure } from "~/server/api/procedures";
import { createSnapshotInput } from "./schemas";

export const createSnapshotProcedure = adminProcedure
  .input(createSnapshotInput)
  .mutation(({ ctx, input }) => createSnapshot(ctx.deps, ctx.actor, input));
