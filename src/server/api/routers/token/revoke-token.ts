import { z } from "zod";
import { revokeApiToken } from "~/server/engine/api-tokens";
import { adminProcedure } from "~/server/api/procedures";
import { idSchema } from "../schemas";

export const revokeTokenInput = z.object({ id: idSchema });

export const revokeTokenProcedure = adminProcedure
  .input(revokeTokenInput)
  .mutation(({ ctx, input }) => revokeApiToken(ctx.deps, ctx.actor, input.id));
