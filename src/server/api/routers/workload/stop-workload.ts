import { stopWorkload } from "../../../engine/workloads/workloads";
import { engineDeps } from "../../../engine-deps";
import { adminProcedure } from "../../procedures";
import { workloadIdInput } from "./schemas";

export const stopWorkloadProcedure = adminProcedure
  .input(workloadIdInput)
  .mutation(({ ctx, input }) => stopWorkload(engineDeps, ctx.actor, input.id));
