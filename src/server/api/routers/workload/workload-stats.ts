import { viewerProcedure } from "~/server/api/procedures";
import { workloadStats } from "~/server/engine/workloads/workload-stats";
import { workloadIdInput } from "./schemas";

export const workloadStatsProcedure = viewerProcedure
  .input(workloadIdInput)
  .query(({ ctx, input }) => workloadStats(ctx.deps, ctx.actor, input));
