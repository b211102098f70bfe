import { z } from "zod";
import { createProject } from "../../../engine/workloads/projects";
import { slugSchema } from "../../../engine/workloads/workload-config";
import { adminProcedure } from "../../procedures";

export const createProjectInput = z.object({ slug: slugSchema, name: z.string().trim().max(100).optional() });

export const createProjectProcedure = adminProcedure
  .input(createProjectInput)
  .mutation(({ ctx, input }) => createProject(ctx.db, ctx.actor, input));
