import { listAlertTargets } from "~/server/engine/alerts/alert-targets";
import { adminProcedure } from "~/server/api/procedures";

// Admin only: even the URL's preview names the receiving host.
export const listAlertTargetsProcedure = adminProcedure.query(({ ctx }) => listAlertTargets(ctx.deps, ctx.actor));
