import { z } from "zod";
import { createProject } from "~/server/engine/workloads/projects";
import { slugSchema } from "~/server/engine/workloads/workload-config";
import { adminProcedure } from "~/server/api/procedures";

export const createProjectInput = z.object({ slug: slugSchema, name: z.string().trim().max(100).optional() });

export const createProjectProcedure = adminProcedure
  .input(createProjectInput)
  .mutation(({ ctx, input }) => createProject(ctx.deps, ctx.actor, input));
