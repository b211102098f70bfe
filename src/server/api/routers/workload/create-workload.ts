import { createWorkload } from "../../../engine/workloads/workloads";
import { engineDeps } from "../../../engine-deps";
import { adminProcedure } from "../../procedures";
import { createWorkloadInput } from "./schemas";

export const createWorkloadProcedure = adminProcedure
  .input(createWorkloadInput)
  .mutation(({ ctx, input }) => createWorkload(engineDeps, ctx.actor, input));
