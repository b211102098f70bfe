import { z } from "zod";
import { viewerProcedure } from "~/server/api/procedures";
import { listWorkloadEvents, WORKLOAD_EVENTS_PAGE_MAX } from "~/server/engine/workloads/workload-events";
import { idSchema } from "../schemas";

export const workloadEventsInput = z.object({ id: idSchema, limit: z.number().int().min(1).max(WORKLOAD_EVENTS_PAGE_MAX).default(50) });

export const workloadEventsProcedure = viewerProcedure
  .input(workloadEventsInput)
  .query(({ ctx, input }) => listWorkloadEvents(ctx.deps, ctx.actor, input));
