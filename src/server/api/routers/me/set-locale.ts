import { z } from "zod";
import { LOCALES } from "~/shared/locales";
import { setUserLocale } from "~/server/engine/users";
import { viewerProcedure } from "~/server/api/procedures";

export const setLocaleInput = z.object({ locale: z.enum(LOCALES) });

export const setLocaleProcedure = viewerProcedure
  .input(setLocaleInput)
  .mutation(({ ctx, input }) => setUserLocale(ctx.deps, ctx.actor, input.locale));
