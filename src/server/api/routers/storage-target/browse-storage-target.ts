import { adminProcedure } from "~/server/api/procedures";
import { browseTarget } from "~/server/engine/storage/remote-archives";
import { storageTargetIdInput } from "./schemas";

export const browseStorageTargetProcedure = adminProcedure
  .input(storageTargetIdInput)
  .query(({ ctx, input }) => browseTarget(ctx.deps, ctx.actor, input));
