import { z } from "zod";
import { CRON_MAX_LENGTH } from "~/shared/schedules";
import { idSchema } from "../schemas";
import { retentionPolicySchema, timezoneSchema } from "../retention/schemas";

export const scheduleIdInput = z.object({ id: idSchema });
export const listSchedulesInput = z.object({ workloadId: idSchema.optional() }).default({});
export const scheduleRunsInput = z.object({ workloadId: idSchema, limit: z.number().int().min(1).max(100).optional() });
// The expression and zone are checked by the engine (croner, Intl), which names what is wrong.
export const upsertScheduleInput = z.object({
  id: idSchema.optional(),
  workloadId: idSchema,
  cron: z.string().max(CRON_MAX_LENGTH),
  timezone: timezoneSchema.optional(),
  quiesce: z.boolean().optional(),
  enabled: z.boolean().optional(),
  retention: retentionPolicySchema.optional(),
});
