import { listUsers } from "../../../engine/users";
import { adminProcedure } from "../../procedures";

export const listUsersProcedure = adminProcedure.query(({ ctx }) => listUsers(ctx.db));
