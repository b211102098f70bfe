import { adminProcedure } from "~/server/api/procedures";
import { testStorageTarget } from "~/server/engine/storage/storage-targets";
import { storageTargetIdInput } from "./schemas";

export const testStorageTargetProcedure = adminProcedure
  .input(storageTargetIdInput)
  .mutation(({ ctx, input }) => testStorageTarget(ctx.deps, ctx.actor, input));
