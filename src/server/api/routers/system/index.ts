import { router } from "../../procedures";
import { getStatusProcedure } from "./get-status";

export const systemRouter = router({ status: getStatusProcedure });
