import { z } from "zod";
import { renameStage } from "~/server/engine/workloads/projects";
import { adminProcedure } from "~/server/api/procedures";
import { idSchema } from "../schemas";

export const renameStageInput = z.object({ id: idSchema, name: z.string().trim().min(1).max(100) });

export const renameStageProcedure = adminProcedure
  .input(renameStageInput)
  .mutation(({ ctx, input }) => renameStage(ctx.deps, ctx.actor, input));
