import { router } from "~/server/api/procedures";
import { getStatusProcedure } from "./get-status";

export const systemRouter = router({ status: getStatusProcedure });
