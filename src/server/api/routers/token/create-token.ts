import { z } from "zod";
import { createApiToken, MAX_TOKEN_DAYS } from "../../../engine/api-tokens";
import { adminProcedure } from "../../procedures";
import { roleSchema } from "../schemas";

export const createTokenInput = z.object({
  name: z.string().trim().min(1, "Token name is required").max(100),
  role: roleSchema,
  /** omitted: the token never expires */
  expiresInDays: z.number().int().min(1).max(MAX_TOKEN_DAYS).optional(),
});

export const createTokenProcedure = adminProcedure
  .input(createTokenInput)
  .mutation(({ ctx, input }) => createApiToken(ctx.db, ctx.actor, input));
