import { router } from "~/server/api/procedures";
import { overviewProcedure } from "./overview";

export const dashboardRouter = router({ overview: overviewProcedure });
