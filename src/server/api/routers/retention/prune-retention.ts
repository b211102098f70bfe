import { adminProcedure } from "~/server/api/procedures";
import { applyRetentionNow } from "~/server/engine/retention/retention";
import { workloadRetentionInput } from "./schemas";

export const pruneRetentionProcedure = adminProcedure
  .input(workloadRetentionInput)
  .mutation(({ ctx, input }) => applyRetentionNow(ctx.deps, ctx.actor, input));
