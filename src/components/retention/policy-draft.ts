// The retention form's state and its checks (no React here: plain data in, plain data out).
import { DEFAULT_RETENTION, KEEP_MAX, KEEP_RULES, type KeepRule, type RetentionPolicy } from "~/shared/retention";
import { isTimeZone } from "~/shared/schedules";

/** What the admin is typing: counts stay text until they are checked, so a cleared field is not 0. */
export type PolicyDraft = Record<KeepRule, string> & { timezone: string; includeManual: boolean };
export type DraftProblem = "count" | "timezone";
export type DraftProblems = Partial<Record<KeepRule | "timezone", DraftProblem>>;

export const draftOf = (policy: RetentionPolicy): PolicyDraft => ({
  ...(Object.fromEntries(KEEP_RULES.map((rule) => [rule, String(policy[rule])])) as Record<KeepRule, string>),
  timezone: policy.timezone,
  includeManual: policy.includeManual,
});

/** A workload without a policy starts from the one its first schedule would bring, in `timezone`. */
export const defaultDraft = (timezone: string): PolicyDraft => draftOf({ ...DEFAULT_RETENTION, timezone });

/** The policy a draft stands for, or what is wrong with it (then no policy). */
export function readDraft(draft: PolicyDraft): { policy: RetentionPolicy | null; problems: DraftProblems } {
  const problems: DraftProblems = {};
  const counts = {} as Record<KeepRule, number>;
  for (const rule of KEEP_RULES) {
    const text = draft[rule].trim();
    const value = Number(text);
    if (!/^\d{1,5}$/.test(text) || value > KEEP_MAX) problems[rule] = "count";
    counts[rule] = value;
  }
  const timezone = draft.timezone.trim();
  if (!isTimeZone(timezone)) problems.timezone = "timezone";
  if (Object.keys(problems).length > 0) return { policy: null, problems };
  return { policy: { ...counts, timezone, includeManual: draft.includeManual }, problems };
}

/** The rules a policy uses, in KEEP_RULES order, with their counts. */
export const activeRules = (policy: RetentionPolicy): { rule: KeepRule; count: number }[] =>
  KEEP_RULES.filter((rule) => policy[rule] > 0).map((rule) => ({ rule, count: policy[rule] }));
