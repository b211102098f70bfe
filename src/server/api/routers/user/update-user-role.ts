import { z } from "zod";
import { updateUserRole } from "~/server/engine/users";
import { adminProcedure } from "~/server/api/procedures";
import { idSchema, roleSchema } from "../schemas";

export const updateUserRoleInput = z.object({ id: idSchema, role: roleSchema });

export const updateUserRoleProcedure = adminProcedure
  .input(updateUserRoleInput)
  .mutation(({ ctx, input }) => updateUserRole(ctx.deps, ctx.actor, input));
