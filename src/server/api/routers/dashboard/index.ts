import { router } from "~/server/api/procedures";
import { containerStatsProcedure } from "./container-stats";
import { overviewProcedure } from "./overview";

export const dashboardRouter = router({ overview: overviewProcedure, containerStats: containerStatsProcedure });
