import { z } from "zod";
import { KEEP_MAX } from "~/shared/retention";
import { idSchema } from "../schemas";

const keep = z.number().int().min(0).max(KEEP_MAX);
export const timezoneSchema = z.string().trim().min(1).max(64);

export const retentionPolicySchema = z.object({
  keepLast: keep,
  keepHourly: keep,
  keepDaily: keep,
  keepWeekly: keep,
  keepMonthly: keep,
  keepYearly: keep,
  timezone: timezoneSchema,
  includeManual: z.boolean(),
});
export const workloadRetentionInput = z.object({ workloadId: idSchema });
export const retentionPolicyInput = z.object({ workloadId: idSchema, policy: retentionPolicySchema });
