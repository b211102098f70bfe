import { updateWorkload } from "~/server/engine/workloads/workloads";
import { adminProcedure } from "~/server/api/procedures";
import { updateWorkloadInput } from "./schemas";

export const updateWorkloadProcedure = adminProcedure
  .input(updateWorkloadInput)
  .mutation(({ ctx, input }) => updateWorkload(ctx.deps, ctx.actor, input));
