import { adminProcedure } from "~/server/api/procedures";
import { getCopyPolicy, setCopyPolicy } from "~/server/engine/storage/storage-targets";
import { copyPolicyInput, setCopyPolicyInput } from "./schemas";

export const copyPolicyProcedure = adminProcedure
  .input(copyPolicyInput)
  .query(({ ctx, input }) => getCopyPolicy(ctx.deps, ctx.actor, input));

export const setCopyPolicyProcedure = adminProcedure
  .input(setCopyPolicyInput)
  .mutation(({ ctx, input }) => setCopyPolicy(ctx.deps, ctx.actor, input));
