/**
 * A retention policy: how many snapshots to keep by each rule, in the sense of restic's
 * `forget --keep-*` (the exact rule: src/server/engine/retention/retention-policy.ts and the README).
 */
export const KEEP_RULES = ["keepLast", "keepHourly", "keepDaily", "keepWeekly", "keepMonthly", "keepYearly"] as const;
export type KeepRule = (typeof KEEP_RULES)[number];

export interface RetentionPolicy extends Record<KeepRule, number> {
  /** hours, days, weeks, months and years are counted in this IANA time zone */
  timezone: string;
  /** manual and imported snapshots follow the policy too (scheduled ones always do) */
  includeManual: boolean;
}

export const KEEP_MAX = 10_000;

/** For a workload's first schedule: the last 7, one a week for 4 weeks, one a month for 6 months. */
export const DEFAULT_RETENTION: Omit<RetentionPolicy, "timezone"> = {
  keepLast: 7,
  keepHourly: 0,
  keepDaily: 0,
  keepWeekly: 4,
  keepMonthly: 6,
  keepYearly: 0,
  includeManual: false,
};

/** Why a snapshot is kept: a rule of the policy, or one of the guards beside it. */
export const KEEP_REASONS = [...KEEP_RULES, "oldest", "pinned", "newest-good", "not-in-policy", "empty-policy"] as const;
export type KeepReason = (typeof KEEP_REASONS)[number];
