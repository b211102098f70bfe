import { z } from "zod";
import { setUserDisabled } from "~/server/engine/accounts";
import { adminProcedure } from "~/server/api/procedures";
import { idSchema } from "../schemas";

export const setDisabledInput = z.object({ id: idSchema, disabled: z.boolean() });

export const setDisabledProcedure = adminProcedure
  .input(setDisabledInput)
  .mutation(({ ctx, input }) => setUserDisabled(ctx.deps, ctx.actor, input));
