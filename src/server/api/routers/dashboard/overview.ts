import { viewerProcedure } from "~/server/api/procedures";
import { dashboardOverview } from "~/server/engine/dashboard";

export const overviewProcedure = viewerProcedure.query(({ ctx }) => dashboardOverview(ctx.deps, ctx.actor));
