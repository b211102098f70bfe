import { viewerProcedure } from "~/server/api/procedures";
import { getRetention } from "~/server/engine/retention/retention";
import { workloadRetentionInput } from "./schemas";

export const getRetentionProcedure = viewerProcedure
  .input(workloadRetentionInput)
  .query(({ ctx, input }) => getRetention(ctx.deps, ctx.actor, input));
