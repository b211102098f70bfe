import { listApiTokens } from "../../../engine/api-tokens";
import { adminProcedure } from "../../procedures";

export const listTokensProcedure = adminProcedure.query(({ ctx }) => listApiTokens(ctx.db));
