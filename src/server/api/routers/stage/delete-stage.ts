import { z } from "zod";
import { deleteStage } from "../../../engine/workloads/projects";
import { adminProcedure } from "../../procedures";
import { idSchema } from "../schemas";

export const deleteStageInput = z.object({ id: idSchema });

export const deleteStageProcedure = adminProcedure
  .input(deleteStageInput)
  .mutation(({ ctx, input }) => deleteStage(ctx.db, ctx.actor, input.id));
