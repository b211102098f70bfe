import { z } from "zod";
import { renameProject } from "../../../engine/workloads/projects";
import { adminProcedure } from "../../procedures";
import { idSchema } from "../schemas";

export const renameProjectInput = z.object({ id: idSchema, name: z.string().trim().min(1).max(100) });

export const renameProjectProcedure = adminProcedure
  .input(renameProjectInput)
  .mutation(({ ctx, input }) => renameProject(ctx.db, ctx.actor, input.id, input.name));
