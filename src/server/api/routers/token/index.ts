import { router } from "~/server/api/procedures";
import { createTokenProcedure } from "./create-token";
import { listTokensProcedure } from "./list-tokens";
import { revokeTokenProcedure } from "./revoke-token";

export const tokenRouter = router({
  list: listTokensProcedure,
  create: createTokenProcedure,
  revoke: revokeTokenProcedure,
});
