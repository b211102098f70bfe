import { createWorkload } from "~/server/engine/workloads/workloads";
import { adminProcedure } from "~/server/api/procedures";
import { createWorkloadInput } from "./schemas";

export const createWorkloadProcedure = adminProcedure
  .input(createWorkloadInput)
  .mutation(({ ctx, input }) => createWorkload(ctx.deps, ctx.actor, input));
