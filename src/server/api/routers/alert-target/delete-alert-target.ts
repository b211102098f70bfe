import { deleteAlertTarget } from "~/server/engine/alerts/alert-targets";
import { adminProcedure } from "~/server/api/procedures";
import { alertTargetIdInput } from "./schemas";

export const deleteAlertTargetProcedure = adminProcedure
  .input(alertTargetIdInput)
  .mutation(({ ctx, input }) => deleteAlertTarget(ctx.deps, ctx.actor, input));
