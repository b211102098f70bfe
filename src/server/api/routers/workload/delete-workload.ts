import { deleteWorkload } from "~/server/engine/workloads/workloads";
import { adminProcedure } from "~/server/api/procedures";
import { deleteWorkloadInput } from "./schemas";

export const deleteWorkloadProcedure = adminProcedure
  .input(deleteWorkloadInput)
  .mutation(({ ctx, input }) => deleteWorkload(ctx.deps, ctx.actor, input));
