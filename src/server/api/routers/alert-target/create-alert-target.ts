import { createAlertTarget } from "~/server/engine/alerts/alert-targets";
import { adminProcedure } from "~/server/api/procedures";
import { createAlertTargetInput } from "./schemas";

export const createAlertTargetProcedure = adminProcedure
  .input(createAlertTargetInput)
  .mutation(({ ctx, input }) => createAlertTarget(ctx.deps, ctx.actor, input));
