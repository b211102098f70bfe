import { startWorkload } from "../../../engine/workloads/workloads";
import { engineDeps } from "../../../engine-deps";
import { adminProcedure } from "../../procedures";
import { workloadIdInput } from "./schemas";

export const startWorkloadProcedure = adminProcedure
  .input(workloadIdInput)
  .mutation(({ ctx, input }) => startWorkload(engineDeps, ctx.actor, input.id));
