import { adminProcedure } from "~/server/api/procedures";
import { copySnapshotNow } from "~/server/engine/storage/copy-run";
import { copySnapshotInput } from "./schemas";

export const copySnapshotProcedure = adminProcedure
  .input(copySnapshotInput)
  .mutation(({ ctx, input }) => copySnapshotNow(ctx.deps, ctx.actor, input));
