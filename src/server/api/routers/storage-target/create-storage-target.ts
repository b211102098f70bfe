import { adminProcedure } from "~/server/api/procedures";
import { createStorageTarget } from "~/server/engine/storage/storage-targets";
import { createStorageTargetInput } from "./schemas";

export const createStorageTargetProcedure = adminProcedure
  .input(createStorageTargetInput)
  .mutation(({ ctx, input }) => createStorageTarget(ctx.deps, ctx.actor, input));
