import { z } from "zod";
import { createApiToken } from "../../../engine/api-tokens";
import { adminProcedure } from "../../procedures";
import { roleSchema } from "../schemas";

export const createTokenInput = z.object({
  name: z.string().trim().min(1, "Token name is required").max(100),
  role: roleSchema,
});

export const createTokenProcedure = adminProcedure
  .input(createTokenInput)
  .mutation(({ ctx, input }) => createApiToken(ctx.db, ctx.actor, input));
