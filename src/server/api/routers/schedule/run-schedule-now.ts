import { adminProcedure } from "~/server/api/procedures";
import { runScheduleNow } from "~/server/engine/schedules/schedules";
import { scheduleIdInput } from "./schemas";

export const runScheduleNowProcedure = adminProcedure
  .input(scheduleIdInput)
  .mutation(({ ctx, input }) => runScheduleNow(ctx.deps, ctx.actor, input));
