import { z } from "zod";
import { deleteStage } from "~/server/engine/workloads/projects";
import { adminProcedure } from "~/server/api/procedures";
import { idSchema } from "../schemas";

export const deleteStageInput = z.object({ id: idSchema });

export const deleteStageProcedure = adminProcedure
  .input(deleteStageInput)
  .mutation(({ ctx, input }) => deleteStage(ctx.deps, ctx.actor, input.id));
