import { stopWorkload } from "~/server/engine/workloads/workloads";
import { adminProcedure } from "~/server/api/procedures";
import { workloadIdInput } from "./schemas";

export const stopWorkloadProcedure = adminProcedure
  .input(workloadIdInput)
  .mutation(({ ctx, input }) => stopWorkload(ctx.deps, ctx.actor, input.id));
