import { router } from "~/server/api/procedures";
import { changePasswordProcedure } from "./change-password";
import { getMeProcedure } from "./get-me";
import { setLocaleProcedure } from "./set-locale";

export const meRouter = router({ get: getMeProcedure, setLocale: setLocaleProcedure, changePassword: changePasswordProcedure });
