import { getWorkload } from "../../../engine/workloads/workloads";
import { engineDeps } from "../../../engine-deps";
import { viewerProcedure } from "../../procedures";
import { workloadIdInput } from "./schemas";

export const getWorkloadProcedure = viewerProcedure
  .input(workloadIdInput)
  .query(({ ctx, input }) => getWorkload(engineDeps, ctx.actor, input.id));
