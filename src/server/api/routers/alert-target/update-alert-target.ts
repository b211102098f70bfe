import { updateAlertTarget } from "~/server/engine/alerts/alert-targets";
import { adminProcedure } from "~/server/api/procedures";
import { updateAlertTargetInput } from "./schemas";

export const updateAlertTargetProcedure = adminProcedure
  .input(updateAlertTargetInput)
  .mutation(({ ctx, input }) => updateAlertTarget(ctx.deps, ctx.actor, input));
