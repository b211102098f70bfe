import { updateWorkload } from "../../../engine/workloads/workloads";
import { engineDeps } from "../../../engine-deps";
import { adminProcedure } from "../../procedures";
import { updateWorkloadInput } from "./schemas";

export const updateWorkloadProcedure = adminProcedure
  .input(updateWorkloadInput)
  .mutation(({ ctx, input: { id, redeploy, ...settings } }) => updateWorkload(engineDeps, ctx.actor, id, settings, { redeploy }));
