import { adminProcedure } from "~/server/api/procedures";
import { deleteSchedule } from "~/server/engine/schedules/schedules";
import { scheduleIdInput } from "./schemas";

export const deleteScheduleProcedure = adminProcedure
  .input(scheduleIdInput)
  .mutation(({ ctx, input }) => deleteSchedule(ctx.deps, ctx.actor, input));
