import { z } from "zod";
import { createStage } from "~/server/engine/workloads/projects";
import { slugSchema } from "~/server/engine/workloads/workload-config";
import { adminProcedure } from "~/server/api/procedures";
import { idSchema } from "../schemas";

export const createStageInput = z.object({ projectId: idSchema, slug: slugSchema, name: z.string().trim().max(100).optional() });

export const createStageProcedure = adminProcedure
  .input(createStageInput)
  .mutation(({ ctx, input }) => createStage(ctx.deps, ctx.actor, input));
