import { z } from "zod";
import { deleteProject } from "~/server/engine/workloads/projects";
import { adminProcedure } from "~/server/api/procedures";
import { idSchema } from "../schemas";

export const deleteProjectInput = z.object({ id: idSchema });

export const deleteProjectProcedure = adminProcedure
  .input(deleteProjectInput)
  .mutation(({ ctx, input }) => deleteProject(ctx.deps, ctx.actor, input.id));
