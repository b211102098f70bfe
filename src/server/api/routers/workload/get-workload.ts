import { getWorkload } from "~/server/engine/workloads/workloads";
import { viewerProcedure } from "~/server/api/procedures";
import { workloadIdInput } from "./schemas";

export const getWorkloadProcedure = viewerProcedure
  .input(workloadIdInput)
  .query(({ ctx, input }) => getWorkload(ctx.deps, ctx.actor, input.id));
