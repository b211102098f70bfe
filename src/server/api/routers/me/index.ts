import { router } from "~/server/api/procedures";
import { getMeProcedure } from "./get-me";
import { setLocaleProcedure } from "./set-locale";

export const meRouter = router({ get: getMeProcedure, setLocale: setLocaleProcedure });
