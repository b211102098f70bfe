import { deleteWorkload } from "../../../engine/workloads/workloads";
import { engineDeps } from "../../../engine-deps";
import { adminProcedure } from "../../procedures";
import { deleteWorkloadInput } from "./schemas";

export const deleteWorkloadProcedure = adminProcedure
  .input(deleteWorkloadInput)
  .mutation(({ ctx, input: { id, ...opts } }) => deleteWorkload(engineDeps, ctx.actor, id, opts));
