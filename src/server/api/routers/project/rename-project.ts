import { z } from "zod";
import { renameProject } from "~/server/engine/workloads/projects";
import { adminProcedure } from "~/server/api/procedures";
import { idSchema } from "../schemas";

export const renameProjectInput = z.object({ id: idSchema, name: z.string().trim().min(1).max(100) });

export const renameProjectProcedure = adminProcedure
  .input(renameProjectInput)
  .mutation(({ ctx, input }) => renameProject(ctx.deps, ctx.actor, input));
