import { viewerProcedure } from "~/server/api/procedures";
import { listScheduleRuns } from "~/server/engine/schedules/schedules";
import { scheduleRunsInput } from "./schemas";

export const scheduleRunsProcedure = viewerProcedure
  .input(scheduleRunsInput)
  .query(({ ctx, input }) => listScheduleRuns(ctx.deps, ctx.actor, input));
