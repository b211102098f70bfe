import { deployWorkload } from "~/server/engine/workloads/workloads";
import { adminProcedure } from "~/server/api/procedures";
import { workloadIdInput } from "./schemas";

export const deployWorkloadProcedure = adminProcedure
  .input(workloadIdInput)
  .mutation(({ ctx, input }) => deployWorkload(ctx.deps, ctx.actor, input.id));
