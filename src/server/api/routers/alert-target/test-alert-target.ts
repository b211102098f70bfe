import { testAlertTarget } from "~/server/engine/alerts/alert-targets";
import { adminProcedure } from "~/server/api/procedures";
import { alertTargetIdInput } from "./schemas";

export const testAlertTargetProcedure = adminProcedure
  .input(alertTargetIdInput)
  .mutation(({ ctx, input }) => testAlertTarget(ctx.deps, ctx.actor, input));
