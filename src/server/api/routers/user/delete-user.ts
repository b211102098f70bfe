import { z } from "zod";
import { deleteUser } from "../../../engine/users";
import { adminProcedure } from "../../procedures";
import { idSchema } from "../schemas";

export const deleteUserInput = z.object({ id: idSchema });

export const deleteUserProcedure = adminProcedure
  .input(deleteUserInput)
  .mutation(({ ctx, input }) => deleteUser(ctx.db, ctx.actor, input.id));
