import { adminProcedure } from "~/server/api/procedures";
import { setRetention } from "~/server/engine/retention/retention";
import { retentionPolicyInput } from "./schemas";

export const setRetentionProcedure = adminProcedure
  .input(retentionPolicyInput)
  .mutation(({ ctx, input }) => setRetention(ctx.deps, ctx.actor, input));
