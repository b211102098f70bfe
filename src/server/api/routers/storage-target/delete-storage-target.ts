import { adminProcedure } from "~/server/api/procedures";
import { deleteStorageTarget } from "~/server/engine/storage/storage-targets";
import { storageTargetIdInput } from "./schemas";

export const deleteStorageTargetProcedure = adminProcedure
  .input(storageTargetIdInput)
  .mutation(({ ctx, input }) => deleteStorageTarget(ctx.deps, ctx.actor, input));
