import { viewerProcedure } from "~/server/api/procedures";
import { containerStats } from "~/server/engine/workloads/workload-stats";

/** Apart from the overview: reading Docker's stats takes a second per container, the overview must not wait for it. */
export const containerStatsProcedure = viewerProcedure.query(({ ctx }) => containerStats(ctx.deps, ctx.actor));
