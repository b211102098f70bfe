import { checkHealth } from "~/server/engine/health";
import { BERTH_VERSION } from "~/server/version";
import { viewerProcedure } from "~/server/api/procedures";

export const getStatusProcedure = viewerProcedure.query(({ ctx }) => checkHealth(ctx.deps, BERTH_VERSION));
