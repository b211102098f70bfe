import { z } from "zod";
import { VALIDATION_MESSAGES } from "~/shared/validation";
import { changeOwnPassword } from "~/server/engine/accounts";
import { viewerProcedure } from "~/server/api/procedures";

export const changePasswordInput = z.object({
  currentPassword: z.string().min(1).max(200),
  newPassword: z.string().min(8, VALIDATION_MESSAGES["password-too-short"]).max(200),
});

export const changePasswordProcedure = viewerProcedure
  .input(changePasswordInput)
  .mutation(({ ctx, input }) => changeOwnPassword(ctx.deps, ctx.actor, input));
