import { restoreSnapshot } from "~/server/engine/restore/restore";
import { adminProcedure } from "~/server/api/procedures";
import { restoreSnapshotInput } from "./schemas";

export const restoreSnapshotProcedure = adminProcedure
  .input(restoreSnapshotInput)
  .mutation(({ ctx, input }) => restoreSnapshot(ctx.deps, ctx.actor, input));
