import { z } from "zod";
import { createStage } from "../../../engine/workloads/projects";
import { slugSchema } from "../../../engine/workloads/workload-config";
import { adminProcedure } from "../../procedures";
import { idSchema } from "../schemas";

export const createStageInput = z.object({ projectId: idSchema, slug: slugSchema, name: z.string().trim().max(100).optional() });

export const createStageProcedure = adminProcedure
  .input(createStageInput)
  .mutation(({ ctx, input }) => createStage(ctx.db, ctx.actor, input));
