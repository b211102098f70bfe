import { listUsers } from "~/server/engine/users";
import { adminProcedure } from "~/server/api/procedures";

export const listUsersProcedure = adminProcedure.query(({ ctx }) => listUsers(ctx.deps, ctx.actor));
