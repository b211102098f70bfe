import { listApiTokens } from "~/server/engine/api-tokens";
import { adminProcedure } from "~/server/api/procedures";

export const listTokensProcedure = adminProcedure.query(({ ctx }) => listApiTokens(ctx.deps, ctx.actor));
