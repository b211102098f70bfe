import { adminProcedure } from "~/server/api/procedures";
import { importFromTarget } from "~/server/engine/storage/remote-archives";
import { importFromTargetInput } from "./schemas";

export const importFromTargetProcedure = adminProcedure
  .input(importFromTargetInput)
  .mutation(({ ctx, input }) => importFromTarget(ctx.deps, ctx.actor, input));
