import { z } from "zod";
import { viewerProcedure } from "~/server/api/procedures";
import { LOG_TIME, workloadLogs } from "~/server/engine/workloads/workload-logs";
import { workloadLogsInput } from "./schemas";

export const workloadLogsProcedure = viewerProcedure
  .input(workloadLogsInput.extend({ since: z.string().regex(LOG_TIME).optional() }))
  .query(({ ctx, input }) => workloadLogs(ctx.deps, ctx.actor, input));
