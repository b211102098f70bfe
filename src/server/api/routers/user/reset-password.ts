import { z } from "zod";
import { VALIDATION_MESSAGES } from "~/shared/validation";
import { resetUserPassword } from "~/server/engine/accounts";
import { adminProcedure } from "~/server/api/procedures";
import { idSchema } from "../schemas";

export const resetPasswordInput = z.object({
  id: idSchema,
  newPassword: z.string().min(8, VALIDATION_MESSAGES["password-too-short"]).max(200),
});

export const resetPasswordProcedure = adminProcedure
  .input(resetPasswordInput)
  .mutation(({ ctx, input }) => resetUserPassword(ctx.deps, ctx.actor, input));
