import { z } from "zod";
import { updateUserRole } from "../../../engine/users";
import { adminProcedure } from "../../procedures";
import { idSchema, roleSchema } from "../schemas";

export const updateUserRoleInput = z.object({ id: idSchema, role: roleSchema });

export const updateUserRoleProcedure = adminProcedure
  .input(updateUserRoleInput)
  .mutation(({ ctx, input }) => updateUserRole(ctx.db, ctx.actor, input.id, input.role));
