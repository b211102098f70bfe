import { z } from "zod";
import { revokeApiToken } from "../../../engine/api-tokens";
import { adminProcedure } from "../../procedures";
import { idSchema } from "../schemas";

export const revokeTokenInput = z.object({ id: idSchema });

export const revokeTokenProcedure = adminProcedure
  .input(revokeTokenInput)
  .mutation(({ ctx, input }) => revokeApiToken(ctx.db, ctx.actor, input.id));
