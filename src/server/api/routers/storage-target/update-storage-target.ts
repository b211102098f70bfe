import { adminProcedure } from "~/server/api/procedures";
import { updateStorageTarget } from "~/server/engine/storage/storage-targets";
import { updateStorageTargetInput } from "./schemas";

export const updateStorageTargetProcedure = adminProcedure
  .input(updateStorageTargetInput)
  .mutation(({ ctx, input }) => updateStorageTarget(ctx.deps, ctx.actor, input));
