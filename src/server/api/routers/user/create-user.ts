import { z } from "zod";
import { createUser } from "../../../engine/users";
import { adminProcedure } from "../../procedures";
import { roleSchema } from "../schemas";

export const createUserInput = z.object({
  email: z.email(),
  name: z.string().trim().max(100).optional(),
  password: z.string().min(8, "Password must be at least 8 characters").max(200),
  role: roleSchema,
});

export const createUserProcedure = adminProcedure
  .input(createUserInput)
  .mutation(({ ctx, input }) => createUser(ctx.db, ctx.actor, input));
