import { KEEP_RULES, type KeepReason, type KeepRule, type RetentionPolicy } from "~/shared/retention";

/** What the policy looks at: one snapshot of the workload. */
export interface RetentionCandidate {
  id: string;
  createdAt: Date;
  kind: string;
  pinned: boolean;
  /** its file is on disk (not flagged missing) */
  good: boolean;
}

export interface RetentionDecision {
  /** every candidate kept, with why (a snapshot can be kept by several rules) */
  keep: Map<string, KeepReason[]>;
  /** the ids to delete, newest first */
  remove: string[];
}

/**
 * Which snapshots a policy keeps, restic's `forget --keep-*` rule exactly:
 *
 * The snapshots the policy covers are walked newest first. Each rule has a count and
 * remembers the bucket of the last snapshot it kept: keep-last's bucket is the snapshot
 * itself; keep-hourly's the hour (year, month, day, hour), keep-daily's the day, keep-weekly's
 * the ISO week (ISO year + week number, weeks start on Monday), keep-monthly's the month,
 * keep-yearly's the year, all read as wall-clock time in the policy's time zone. A snapshot
 * whose bucket differs from the rule's last one is kept by that rule while the rule has count
 * left, and uses one of its count; so each rule keeps the newest snapshot of each of its
 * `n` most recent buckets that have a snapshot (buckets without one do not count). (Exactly:
 * a count is used each time the bucket changes, so where clocks go back across an hour, one
 * wall-clock hour can be met twice and use two counts, as in restic.)
 * The oldest snapshot is kept too by every rule that still has count left when the walk
 * reaches it, even in a bucket already kept (reason "oldest"): while there are fewer periods
 * than a rule asks for, the history reaches back as far as it can. This is restic 0.17 and
 * later (internal/data/snapshot_policy.go); restic 0.16 and older did not keep it.
 * A policy whose counts are all zero keeps everything (as restic does).
 *
 * Beside restic's rule, Berth's guards: pinned snapshots are never removed (like restic's
 * `--keep-tag`, they still take part in the buckets); the newest good snapshot of the
 * workload is never removed; pre-restore snapshots are never covered (they have their own
 * rule), nor manual and imported ones unless the policy includes them. A snapshot whose file
 * is missing takes part like any other (the row is there); the newest good one is kept besides.
 */
export function applyRetention(candidates: RetentionCandidate[], policy: RetentionPolicy): RetentionDecision {
  const keep = new Map<string, KeepReason[]>();
  const remove: string[] = [];
  const newest = [...candidates].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
  const newestGood = newest.find((c) => c.good);
  const covered = newest.filter((c) => coveredByPolicy(c.kind, policy));
  const inPolicy = new Set(covered);
  for (const c of newest) if (!inPolicy.has(c)) keep.set(c.id, ["not-in-policy"]);
  const empty = KEEP_RULES.every((rule) => policy[rule] <= 0);

  const bucketOf = bucketers(policy.timezone);
  const left = Object.fromEntries(KEEP_RULES.map((rule) => [rule, policy[rule]])) as Record<KeepRule, number>;
  const last = new Map<KeepRule, string>();
  covered.forEach((c, index) => {
    const reasons: KeepReason[] = [];
    const oldest = index === covered.length - 1;
    for (const rule of KEEP_RULES) {
      if (left[rule] <= 0) continue;
      const bucket = rule === "keepLast" ? String(index) : bucketOf[rule](c.createdAt);
      const sameBucket = bucket === last.get(rule);
      if (sameBucket && !oldest) continue;
      last.set(rule, bucket);
      left[rule] -= 1;
      const reason = sameBucket ? "oldest" : rule;
      if (!reasons.includes(reason)) reasons.push(reason);
    }
    if (empty) reasons.push("empty-policy");
    if (c.pinned) reasons.push("pinned");
    if (c === newestGood) reasons.push("newest-good");
    if (reasons.length > 0) keep.set(c.id, reasons);
    else remove.push(c.id);
  });
  return { keep, remove };
}

export const coveredByPolicy = (kind: string, policy: Pick<RetentionPolicy, "includeManual">) =>
  kind === "scheduled" || (policy.includeManual && (kind === "manual" || kind === "imported"));

type Bucketer = (at: Date) => string;

/** Bucket keys per calendar rule, from the wall-clock parts of a time in `timeZone`. */
function bucketers(timeZone: string): Record<Exclude<KeepRule, "keepLast">, Bucketer> {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
  });
  const parts = (at: Date) => {
    const p = Object.fromEntries(format.formatToParts(at).map((x) => [x.type, x.value]));
    return { year: Number(p.year), month: Number(p.month), day: Number(p.day), hour: Number(p.hour) };
  };
  return {
    keepHourly: (at) => {
      const p = parts(at);
      return `${p.year}-${p.month}-${p.day}T${p.hour}`;
    },
    keepDaily: (at) => {
      const p = parts(at);
      return `${p.year}-${p.month}-${p.day}`;
    },
    keepWeekly: (at) => {
      const p = parts(at);
      const { isoYear, week } = isoWeek(p.year, p.month, p.day);
      return `${isoYear}-W${week}`;
    },
    keepMonthly: (at) => {
      const p = parts(at);
      return `${p.year}-${p.month}`;
    },
    keepYearly: (at) => String(parts(at).year),
  };
}

/** ISO 8601 week of a calendar date (as Go's time.ISOWeek, which restic uses). */
export function isoWeek(year: number, month: number, day: number): { isoYear: number; week: number } {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = date.getUTCDay() || 7; // Monday 1 … Sunday 7
  date.setUTCDate(date.getUTCDate() + 4 - weekday); // the Thursday of this week decides its year
  const isoYear = date.getUTCFullYear();
  const week = Math.ceil(((date.getTime() - Date.UTC(isoYear, 0, 1)) / 86_400_000 + 1) / 7);
  return { isoYear, week };
}
