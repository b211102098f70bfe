import { createCallerFactory, router } from "./procedures";
import { alertTargetRouter } from "./routers/alert-target";
import { dashboardRouter } from "./routers/dashboard";
import { meRouter } from "./routers/me";
import { projectRouter } from "./routers/project";
import { retentionRouter } from "./routers/retention";
import { scheduleRouter } from "./routers/schedule";
import { snapshotRouter } from "./routers/snapshot";
import { stageRouter } from "./routers/stage";
import { storageTargetRouter } from "./routers/storage-target";
import { workloadRouter } from "./routers/workload";
import { systemRouter } from "./routers/system";
import { tokenRouter } from "./routers/token";
import { userRouter } from "./routers/user";

export const appRouter = router({
  me: meRouter,
  user: userRouter,
  token: tokenRouter,
  system: systemRouter,
  project: projectRouter,
  stage: stageRouter,
  workload: workloadRouter,
  snapshot: snapshotRouter,
  schedule: scheduleRouter,
  retention: retentionRouter,
  dashboard: dashboardRouter,
  alertTarget: alertTargetRouter,
  storageTarget: storageTargetRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
