import { z } from "zod";
import { VALIDATION_MESSAGES } from "~/shared/validation";
import { createApiToken, MAX_TOKEN_DAYS } from "~/server/engine/api-tokens";
import { adminProcedure } from "~/server/api/procedures";
import { roleSchema } from "../schemas";

export const createTokenInput = z.object({
  name: z.string().trim().min(1, VALIDATION_MESSAGES["token-name-required"]).max(100),
  role: roleSchema,
  /** omitted: the token never expires */
  expiresInDays: z.number().int().min(1).max(MAX_TOKEN_DAYS).optional(),
});

export const createTokenProcedure = adminProcedure
  .input(createTokenInput)
  .mutation(({ ctx, input }) => createApiToken(ctx.deps, ctx.actor, input));
