import { z } from "zod";
import { VALIDATION_MESSAGES } from "~/shared/validation";
import { createUser } from "~/server/engine/users";
import { adminProcedure } from "~/server/api/procedures";
import { roleSchema } from "../schemas";

export const createUserInput = z.object({
  email: z.email(),
  name: z.string().trim().max(100).optional(),
  password: z.string().min(8, VALIDATION_MESSAGES["password-too-short"]).max(200),
  role: roleSchema,
});

export const createUserProcedure = adminProcedure
  .input(createUserInput)
  .mutation(({ ctx, input }) => createUser(ctx.deps, ctx.actor, input));
