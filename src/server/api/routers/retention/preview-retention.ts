import { adminProcedure } from "~/server/api/procedures";
import { previewRetention } from "~/server/engine/retention/retention";
import { retentionPolicyInput } from "./schemas";

// A query in effect, but admin-only as DESIGN.md lists it: it answers "what would an admin's change delete".
export const previewRetentionProcedure = adminProcedure
  .input(retentionPolicyInput)
  .query(({ ctx, input }) => previewRetention(ctx.deps, ctx.actor, input));
