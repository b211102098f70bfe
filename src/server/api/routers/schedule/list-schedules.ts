import { viewerProcedure } from "~/server/api/procedures";
import { listSchedules } from "~/server/engine/schedules/schedules";
import { listSchedulesInput } from "./schemas";

export const listSchedulesProcedure = viewerProcedure
  .input(listSchedulesInput)
  .query(({ ctx, input }) => listSchedules(ctx.deps, ctx.actor, input));
