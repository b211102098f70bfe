import { z } from "zod";
import { LOCALES } from "~/i18n/locales";
import { setUserLocale } from "../../../engine/users";
import { viewerProcedure } from "../../procedures";

export const setLocaleInput = z.object({ locale: z.enum(LOCALES) });

export const setLocaleProcedure = viewerProcedure
  .input(setLocaleInput)
  .mutation(({ ctx, input }) => setUserLocale(ctx.db, ctx.actor, input.locale));
