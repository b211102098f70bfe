import { workloadLogs } from "~/server/engine/workloads/workloads";
import { viewerProcedure } from "~/server/api/procedures";
import { workloadLogsInput } from "./schemas";

export const workloadLogsProcedure = viewerProcedure
  .input(workloadLogsInput)
  .query(({ ctx, input }) => workloadLogs(ctx.deps, ctx.actor, input));
