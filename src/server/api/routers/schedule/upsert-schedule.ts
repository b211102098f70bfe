import { adminProcedure } from "~/server/api/procedures";
import { upsertSchedule } from "~/server/engine/schedules/schedules";
import { upsertScheduleInput } from "./schemas";

export const upsertScheduleProcedure = adminProcedure
  .input(upsertScheduleInput)
  .mutation(({ ctx, input }) => upsertSchedule(ctx.deps, ctx.actor, input));
