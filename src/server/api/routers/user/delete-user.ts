import { z } from "zod";
import { deleteUser } from "~/server/engine/users";
import { adminProcedure } from "~/server/api/procedures";
import { idSchema } from "../schemas";

export const deleteUserInput = z.object({ id: idSchema });

export const deleteUserProcedure = adminProcedure
  .input(deleteUserInput)
  .mutation(({ ctx, input }) => deleteUser(ctx.deps, ctx.actor, input.id));
