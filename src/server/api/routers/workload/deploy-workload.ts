import { deployWorkload } from "../../../engine/workloads/workloads";
import { engineDeps } from "../../../engine-deps";
import { adminProcedure } from "../../procedures";
import { workloadIdInput } from "./schemas";

export const deployWorkloadProcedure = adminProcedure
  .input(workloadIdInput)
  .mutation(({ ctx, input }) => deployWorkload(engineDeps, ctx.actor, input.id));
