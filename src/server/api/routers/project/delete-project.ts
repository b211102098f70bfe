import { z } from "zod";
import { deleteProject } from "../../../engine/workloads/projects";
import { adminProcedure } from "../../procedures";
import { idSchema } from "../schemas";

export const deleteProjectInput = z.object({ id: idSchema });

export const deleteProjectProcedure = adminProcedure
  .input(deleteProjectInput)
  .mutation(({ ctx, input }) => deleteProject(ctx.db, ctx.actor, input.id));
