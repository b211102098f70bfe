import { startWorkload } from "~/server/engine/workloads/workloads";
import { adminProcedure } from "~/server/api/procedures";
import { workloadIdInput } from "./schemas";

export const startWorkloadProcedure = adminProcedure
  .input(workloadIdInput)
  .mutation(({ ctx, input }) => startWorkload(ctx.deps, ctx.actor, input.id));
