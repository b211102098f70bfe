import { router } from "~/server/api/procedures";
import { deleteScheduleProcedure } from "./delete-schedule";
import { listSchedulesProcedure } from "./list-schedules";
import { runScheduleNowProcedure } from "./run-schedule-now";
import { scheduleRunsProcedure } from "./schedule-runs";
import { upsertScheduleProcedure } from "./upsert-schedule";

export const scheduleRouter = router({
  list: listSchedulesProcedure,
  runs: scheduleRunsProcedure,
  upsert: upsertScheduleProcedure,
  delete: deleteScheduleProcedure,
  runNow: runScheduleNowProcedure,
});
