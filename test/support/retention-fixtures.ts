import type { RetentionPolicy } from "~/shared/retention";

/** A policy that keeps only by the rules given (every other count 0), in UTC, scheduled snapshots only unless said. */
export const keepOnly = (rules: Partial<RetentionPolicy>): RetentionPolicy => ({
  keepLast: 0,
  keepHourly: 0,
  keepDaily: 0,
  keepWeekly: 0,
  keepMonthly: 0,
  keepYearly: 0,
  timezone: "UTC",
  includeManual: false,
  ...rules,
});
