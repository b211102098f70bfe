import { deleteSnapshot } from "~/server/engine/snapshots/snapshot-store";
import { adminProcedure } from "~/server/api/procedures";
import { snapshotIdInput } from "./schemas";

export const deleteSnapshotProcedure = adminProcedure
  .input(snapshotIdInput)
  .mutation(({ ctx, input }) => deleteSnapshot(ctx.deps, ctx.actor, input.id));
