import { z } from "zod";
import { listStages } from "~/server/engine/workloads/projects";
import { viewerProcedure } from "~/server/api/procedures";
import { idSchema } from "../schemas";

export const listStagesInput = z.object({ projectId: idSchema });

export const listStagesProcedure = viewerProcedure
  .input(listStagesInput)
  .query(({ ctx, input }) => listStages(ctx.deps, ctx.actor, input.projectId));
