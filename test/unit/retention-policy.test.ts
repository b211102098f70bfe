// The retention rule of src/server/engine/retention/retention-policy.ts over generated snapshot
// histories. Every expected set is hand-written, or comes from `oracle` below, written from
// restic's documented text ("--keep-daily n: for the last n days which have one or more
// snapshots, only keep the last one for that day", and restic 0.17.3's man page: "If there are
// not enough snapshots to keep one for each duration related --keep-{within-,} option, the
// oldest snapshot in the group is kept additionally") with its own wall-clock and ISO-week
// arithmetic, not from the code under test. test/integration/retention-restic.test.ts compares
// the same rule with restic itself.
import { describe, expect, it } from "vitest";
import { applyRetention, isoWeek, type RetentionCandidate, type RetentionDecision } from "~/server/engine/retention/retention-policy";
import { DEFAULT_RETENTION, KEEP_RULES, type KeepRule, type RetentionPolicy } from "~/shared/retention";
import { irregularHistory, regularHistory, toCandidates, wallClock } from "../support/retention-history";

const DAY = 86_400_000;
const NO_COUNTS: Record<KeepRule, number> = { keepLast: 0, keepHourly: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, keepYearly: 0 };
const DEFAULT_COUNTS = Object.fromEntries(KEEP_RULES.map((rule) => [rule, DEFAULT_RETENTION[rule]])) as Record<KeepRule, number>;

const policyOf = (counts: Partial<Record<KeepRule, number>>, timezone = "UTC", includeManual = false): RetentionPolicy => ({
  ...NO_COUNTS,
  ...counts,
  timezone,
  includeManual,
});

/** candidates at the given ISO instants, ids s0000… in the order given (oldest first) */
const at = (...isos: string[]) => toCandidates(isos.map((iso) => new Date(iso)));

/** kept ids, newest first */
const keptIds = (candidates: RetentionCandidate[], decision: RetentionDecision) =>
  candidates
    .filter((c) => decision.keep.has(c.id))
    .map((c) => c.id)
    .reverse();

/** kept instants as "YYYY-MM-DDTHH:MM" UTC, newest first */
const keptTimes = (candidates: RetentionCandidate[], decision: RetentionDecision) =>
  candidates
    .filter((c) => decision.keep.has(c.id))
    .map((c) => c.createdAt.toISOString().slice(0, 16))
    .reverse();

/** Monday of ISO week 1 of `year`: the week that holds 4 January */
function week1Monday(year: number): number {
  const jan4 = Date.UTC(year, 0, 4);
  return jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY;
}

/** ISO 8601 week of a "YYYY-MM-DD" day, by counting weeks from the Monday of week 1 */
function oracleWeek(day: string): string {
  const t = Date.parse(`${day}T00:00:00Z`);
  let year = Number(day.slice(0, 4));
  if (t < week1Monday(year)) year -= 1;
  else if (t >= week1Monday(year + 1)) year += 1;
  return `${year}-W${Math.floor((t - week1Monday(year)) / (7 * DAY)) + 1}`;
}

/** bucket keys read from the wall clock "YYYY-MM-DD HH:MM:SS" */
const BUCKET_OF: Record<Exclude<KeepRule, "keepLast">, (wall: string) => string> = {
  keepHourly: (wall) => wall.slice(0, 13),
  keepDaily: (wall) => wall.slice(0, 10),
  keepWeekly: (wall) => oracleWeek(wall.slice(0, 10)),
  keepMonthly: (wall) => wall.slice(0, 7),
  keepYearly: (wall) => wall.slice(0, 4),
};

interface Expected {
  kept: Set<string>;
  byRule: Record<KeepRule, Set<string>>;
  /** kept with the reason "oldest": the oldest covered snapshot, or nothing */
  oldest: Set<string>;
}

/**
 * restic's documented rule plus Berth's guards: keep-last n keeps the n newest; each calendar
 * rule keeps the newest snapshot of each of the n most recent buckets that hold one, and, when
 * there are fewer such buckets than n, the oldest covered snapshot too (reason "oldest" unless
 * its own bucket already keeps it); pinned, uncovered kinds and the newest good snapshot are
 * always kept; no count at all keeps everything.
 */
function oracle(candidates: RetentionCandidate[], policy: RetentionPolicy): Expected {
  const newestFirst = [...candidates].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const isCovered = (c: RetentionCandidate) =>
    c.kind === "scheduled" || (policy.includeManual && (c.kind === "manual" || c.kind === "imported"));
  const covered = newestFirst.filter(isCovered);
  const byRule = Object.fromEntries(KEEP_RULES.map((rule) => [rule, new Set<string>()])) as Expected["byRule"];
  for (const c of covered.slice(0, policy.keepLast)) byRule.keepLast.add(c.id);
  const walls = new Map(covered.map((c) => [c.id, wallClock(policy.timezone, c.createdAt)]));
  const oldest = new Set<string>();
  const oldestCovered = covered.at(-1);
  for (const [rule, bucketOf] of Object.entries(BUCKET_OF) as [Exclude<KeepRule, "keepLast">, (wall: string) => string][]) {
    const buckets = new Set<string>();
    for (const c of covered) {
      const bucket = bucketOf(walls.get(c.id)!);
      if (buckets.has(bucket)) continue;
      if (buckets.size === policy[rule]) break;
      buckets.add(bucket);
      byRule[rule].add(c.id);
    }
    if (oldestCovered && buckets.size < policy[rule] && !byRule[rule].has(oldestCovered.id)) oldest.add(oldestCovered.id);
  }
  const kept = new Set([...KEEP_RULES.flatMap((rule) => [...byRule[rule]]), ...oldest]);
  const keepsAll = KEEP_RULES.every((rule) => policy[rule] === 0);
  for (const c of newestFirst) if (keepsAll || c.pinned || !isCovered(c)) kept.add(c.id);
  const newestGood = newestFirst.find((c) => c.good);
  if (newestGood) kept.add(newestGood.id);
  return { kept, byRule, oldest };
}

const sorted = (ids: Iterable<string>) => [...ids].sort();

function expectOracle(candidates: RetentionCandidate[], policy: RetentionPolicy) {
  const decision = applyRetention(candidates, policy);
  const expected = oracle(candidates, policy);
  expect(sorted(decision.keep.keys())).toEqual(sorted(expected.kept));
  for (const rule of KEEP_RULES) {
    const keptByRule = [...decision.keep].filter(([, reasons]) => reasons.includes(rule)).map(([id]) => id);
    expect(sorted(keptByRule), rule).toEqual(sorted(expected.byRule[rule]));
  }
  const keptAsOldest = [...decision.keep].filter(([, reasons]) => reasons.includes("oldest")).map(([id]) => id);
  expect(keptAsOldest, "oldest").toEqual([...expected.oldest]);
  for (const [id, reasons] of decision.keep) expect(new Set(reasons).size, id).toBe(reasons.length);
  // everything not kept is removed, once, newest first
  const newestFirst = [...candidates].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  expect(decision.remove).toEqual(newestFirst.filter((c) => !expected.kept.has(c.id)).map((c) => c.id));
  return { decision, expected };
}

describe("isoWeek", () => {
  it.each([
    [2020, 12, 28, 2020, 53],
    [2020, 12, 31, 2020, 53],
    [2021, 1, 3, 2020, 53],
    [2021, 1, 4, 2021, 1],
    [2024, 2, 29, 2024, 9],
    [2024, 12, 30, 2025, 1],
    [2025, 12, 28, 2025, 52],
    [2025, 12, 29, 2026, 1],
    [2026, 1, 1, 2026, 1],
    [2026, 6, 15, 2026, 25],
    [2026, 12, 31, 2026, 53],
    [2027, 1, 3, 2026, 53],
    [2027, 1, 4, 2027, 1],
    [2008, 12, 29, 2009, 1],
    [2010, 1, 3, 2009, 53],
    [2016, 1, 3, 2015, 53],
  ])("%i-%i-%i is in ISO week %i-W%i", (year, month, day, isoYear, week) => {
    expect(isoWeek(year, month, day)).toEqual({ isoYear, week });
  });

  it("agrees with the week counted from the Monday of week 1 on every day from 1999 to 2041", () => {
    const differing: string[] = [];
    for (let t = Date.UTC(1999, 0, 1); t <= Date.UTC(2041, 11, 31); t += DAY) {
      const d = new Date(t);
      const { isoYear, week } = isoWeek(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
      const day = d.toISOString().slice(0, 10);
      if (`${isoYear}-W${week}` !== oracleWeek(day)) differing.push(day);
    }
    expect(differing).toEqual([]);
  });
});

describe("applyRetention on generated histories, against the documented rule", () => {
  const histories = {
    "hourly for 400 days": toCandidates(regularHistory("2026-03-10T09:00:00Z", 400 * 24, 60)),
    "irregular gaps over 17 months": toCandidates(irregularHistory("2025-09-01T00:00:00Z", "2027-02-01T00:00:00Z", 15)),
    "every 15 minutes for 30 days over Berlin's fall-back": toCandidates(regularHistory("2026-11-08T23:45:00Z", 30 * 96, 15)),
  };
  const policies: Record<string, Partial<Record<KeepRule, number>>> = {
    "keep-last 5": { keepLast: 5 },
    "keep-hourly 30": { keepHourly: 30 },
    "keep-daily 10": { keepDaily: 10 },
    "keep-weekly 8": { keepWeekly: 8 },
    "keep-monthly 6": { keepMonthly: 6 },
    "keep-yearly 3": { keepYearly: 3 },
    "the default (7 last, 4 weekly, 6 monthly)": DEFAULT_COUNTS,
    "every rule at once": { keepLast: 2, keepHourly: 24, keepDaily: 14, keepWeekly: 8, keepMonthly: 12, keepYearly: 5 },
    "counts far beyond the history": Object.fromEntries(KEEP_RULES.map((rule) => [rule, 10_000])),
  };
  const zones = ["UTC", "Europe/Berlin", "America/New_York", "Pacific/Auckland"];
  const cases = Object.keys(histories).flatMap((history) =>
    Object.keys(policies).flatMap((policy) => zones.map((zone) => [history, policy, zone] as const)),
  );

  it.each(cases)("%s, %s, in %s", (history, policy, zone) => {
    const candidates = histories[history as keyof typeof histories];
    const { expected } = expectOracle(candidates, policyOf(policies[policy]!, zone));
    // the case is not vacuous: the policy removes something, or keeps each snapshot by a rule
    const byRules = new Set(KEEP_RULES.flatMap((rule) => [...expected.byRule[rule]]));
    expect(expected.kept.size < candidates.length || byRules.size === candidates.length).toBe(true);
  });

  it("the table meets the oldest rule every way: kept as 'oldest', kept by its own bucket, and removed (counts used up)", () => {
    const ways = new Set<string>();
    for (const [history, policy, zone] of cases) {
      const candidates = histories[history as keyof typeof histories];
      const expected = oracle(candidates, policyOf(policies[policy]!, zone));
      const oldest = candidates[0]!.id;
      if (expected.oldest.has(oldest)) ways.add("oldest");
      if (KEEP_RULES.some((rule) => rule !== "keepLast" && expected.byRule[rule].has(oldest))) ways.add("own bucket");
      if (!expected.kept.has(oldest)) ways.add("removed");
    }
    expect([...ways].sort()).toEqual(["oldest", "own bucket", "removed"]);
  });

  it("the generated histories have what the table needs: gaps of days, several snapshots an hour, the fall-back hour", () => {
    const irregular = histories["irregular gaps over 17 months"].map((c) => c.createdAt.getTime());
    const gaps = irregular.slice(1).map((t, i) => t - irregular[i]!);
    expect(gaps.some((gap) => gap > 3 * DAY)).toBe(true);
    expect(gaps.some((gap) => gap < 30 * 60_000)).toBe(true);
    expect(irregular.length).toBeGreaterThan(500);
    const quarterHours = histories["every 15 minutes for 30 days over Berlin's fall-back"];
    const walls = quarterHours.map((c) => wallClock("Europe/Berlin", c.createdAt));
    expect(walls.filter((wall) => wall.startsWith("2026-10-25 02:")).length).toBe(8);
  });
});

describe("applyRetention, hand-written cases", () => {
  const hourly400 = toCandidates(regularHistory("2026-03-10T09:00:00Z", 400 * 24, 60));
  const last7 = ["09", "08", "07", "06", "05", "04", "03"].map((hour) => `2026-03-10T${hour}:00`);

  it.each([
    // the last snapshot of the week before (Sunday 23:00 local), two weeks before, three weeks
    // before; the last of each of the 5 months before the current one
    [
      "UTC",
      ["2026-03-08T23:00", "2026-03-01T23:00", "2026-02-28T23:00", "2026-02-22T23:00"],
      ["2026-01-31T23:00", "2025-12-31T23:00", "2025-11-30T23:00", "2025-10-31T23:00"],
    ],
    [
      "Europe/Berlin", // UTC+1 all winter
      ["2026-03-08T22:00", "2026-03-01T22:00", "2026-02-28T22:00", "2026-02-22T22:00"],
      ["2026-01-31T22:00", "2025-12-31T22:00", "2025-11-30T22:00", "2025-10-31T22:00"],
    ],
    [
      "America/New_York", // EDT from 2026-03-08 and until 2025-11-02, EST between
      ["2026-03-09T03:00", "2026-03-02T04:00", "2026-03-01T04:00", "2026-02-23T04:00"],
      ["2026-02-01T04:00", "2026-01-01T04:00", "2025-12-01T04:00", "2025-11-01T03:00"],
    ],
    [
      "Pacific/Auckland", // NZDT, UTC+13, from 2025-09-28
      ["2026-03-08T10:00", "2026-03-01T10:00", "2026-02-28T10:00", "2026-02-22T10:00"],
      ["2026-01-31T10:00", "2025-12-31T10:00", "2025-11-30T10:00", "2025-10-31T10:00"],
    ],
  ])("the default policy over 400 days of hourly snapshots in %s keeps 7 + 3 weeks + 5 months", (zone, recent, older) => {
    const decision = applyRetention(hourly400, { ...DEFAULT_RETENTION, timezone: zone });
    expect(keptTimes(hourly400, decision)).toEqual([...last7, ...recent, ...older]);
    expect(decision.keep.get(hourly400.at(-1)!.id)).toEqual(["keepLast", "keepWeekly", "keepMonthly", "newest-good"]);
    expect(decision.remove).toHaveLength(hourly400.length - 15);
    // weekly and monthly counts are used up long before the oldest: it goes
    expect(decision.remove.at(-1)).toBe(hourly400[0]!.id);
  });

  it.each([
    ["keepLast", 3, ["2026-03-10T09:00", "2026-03-10T08:00", "2026-03-10T07:00"], null],
    ["keepHourly", 3, ["2026-03-10T09:00", "2026-03-10T08:00", "2026-03-10T07:00"], null],
    ["keepDaily", 3, ["2026-03-10T09:00", "2026-03-09T23:00", "2026-03-08T23:00"], null],
    ["keepWeekly", 3, ["2026-03-10T09:00", "2026-03-08T23:00", "2026-03-01T23:00"], null],
    ["keepMonthly", 3, ["2026-03-10T09:00", "2026-02-28T23:00", "2026-01-31T23:00"], null],
    // the history holds two calendar years only: a count beyond the history keeps what there is,
    // and the oldest snapshot besides (2025's newest is kept already)
    ["keepYearly", 3, ["2026-03-10T09:00", "2025-12-31T23:00"], "2025-02-03T10:00"],
  ] as const)("%s %i alone over 400 days of hourly snapshots (UTC)", (rule, count, expected, oldest) => {
    const decision = applyRetention(hourly400, policyOf({ [rule]: count }));
    expect(keptTimes(hourly400, decision)).toEqual(oldest ? [...expected, oldest] : expected);
    expect([...decision.keep.values()].flat().filter((reason) => reason === rule)).toHaveLength(expected.length);
    if (oldest) expect(decision.keep.get(hourly400[0]!.id)).toEqual(["oldest"]);
    else expect(decision.remove.at(-1)).toBe(hourly400[0]!.id);
  });

  it("keep-monthly 100 over 400 days keeps the newest snapshot of each of the 14 months there are, and the oldest", () => {
    const decision = applyRetention(hourly400, policyOf({ keepMonthly: 100 }));
    expect(keptTimes(hourly400, decision)).toEqual([
      "2026-03-10T09:00",
      ...["2026-02-28", "2026-01-31", "2025-12-31", "2025-11-30", "2025-10-31", "2025-09-30", "2025-08-31"].map((d) => `${d}T23:00`),
      ...["2025-07-31", "2025-06-30", "2025-05-31", "2025-04-30", "2025-03-31", "2025-02-28"].map((d) => `${d}T23:00`),
      "2025-02-03T10:00",
    ]);
    expect(decision.keep.get(hourly400[0]!.id)).toEqual(["oldest"]);
  });

  it("keep-last only: the newest n, everything else removed newest first; a count beyond the history keeps all", () => {
    const ten = toCandidates(regularHistory("2026-05-04T12:00:00Z", 10, 60));
    const three = applyRetention(ten, policyOf({ keepLast: 3 }));
    expect(keptIds(ten, three)).toEqual(["s0009", "s0008", "s0007"]);
    expect(three.remove).toEqual(["s0006", "s0005", "s0004", "s0003", "s0002", "s0001", "s0000"]);
    const fifty = applyRetention(ten, policyOf({ keepLast: 50 }));
    expect(fifty.keep.size).toBe(10);
    expect(fifty.remove).toEqual([]);
    // keep-last's bucket is always new, so it keeps the oldest by itself, never as "oldest"
    expect(fifty.keep.get("s0000")).toEqual(["keepLast"]);
  });

  it("days without a snapshot are not counted: keep-daily 3 reaches back over an empty stretch", () => {
    const candidates = at(
      "2026-03-01T10:00:00Z",
      "2026-03-01T12:00:00Z",
      "2026-03-05T09:00:00Z",
      "2026-03-09T08:00:00Z",
      "2026-03-09T20:00:00Z",
      "2026-03-10T07:00:00Z",
    );
    expect(keptIds(candidates, applyRetention(candidates, policyOf({ keepDaily: 3 })))).toEqual(["s0005", "s0004", "s0002"]);
  });

  it("several snapshots in one hour: keep-hourly keeps the newest of each hour", () => {
    const candidates = at(
      "2026-03-10T09:05:00Z",
      "2026-03-10T09:20:00Z",
      "2026-03-10T09:55:00Z",
      "2026-03-10T10:01:00Z",
      "2026-03-10T10:59:00Z",
      "2026-03-10T12:30:00Z",
    );
    expect(keptIds(candidates, applyRetention(candidates, policyOf({ keepHourly: 2 })))).toEqual(["s0005", "s0004"]);
    expect(keptIds(candidates, applyRetention(candidates, policyOf({ keepHourly: 3 })))).toEqual(["s0005", "s0004", "s0002"]);
  });

  describe("the oldest snapshot (restic 0.17)", () => {
    // one a day at 12:00 UTC from Friday 2026-04-10 to Wednesday 2026-05-20: two months, s0000…s0040
    const aprilToMay = toCandidates(regularHistory("2026-05-20T12:00:00Z", 41, 24 * 60));

    it("a monthly rule with fewer months than its count keeps the oldest snapshot too, with the reason 'oldest'", () => {
      const decision = applyRetention(aprilToMay, policyOf({ keepMonthly: 6 }));
      expect(keptTimes(aprilToMay, decision)).toEqual(["2026-05-20T12:00", "2026-04-30T12:00", "2026-04-10T12:00"]);
      expect(decision.keep.get("s0040")).toEqual(["keepMonthly", "newest-good"]);
      expect(decision.keep.get("s0020")).toEqual(["keepMonthly"]);
      expect(decision.keep.get("s0000")).toEqual(["oldest"]);
      expect(decision.remove).toHaveLength(38);
    });

    it("a rule whose count is used up before the oldest does not keep it", () => {
      const decision = applyRetention(aprilToMay, policyOf({ keepMonthly: 2 }));
      expect(keptTimes(aprilToMay, decision)).toEqual(["2026-05-20T12:00", "2026-04-30T12:00"]);
      expect(decision.remove.at(-1)).toBe("s0000");
      // two rules, both used up: still not kept
      const both = applyRetention(aprilToMay, policyOf({ keepWeekly: 3, keepMonthly: 2 }));
      expect(both.keep.has("s0000")).toBe(false);
    });

    it("an oldest snapshot in a bucket of its own is kept by the rule, with the rule's reason, not 'oldest'", () => {
      const withMarch = [...at("2026-03-31T12:00:00Z"), ...toCandidates(regularHistory("2026-05-20T12:00:00Z", 41, 24 * 60))].map(
        (c, i) => ({ ...c, id: `s${String(i).padStart(4, "0")}` }),
      );
      const decision = applyRetention(withMarch, policyOf({ keepMonthly: 6 }));
      expect(keptTimes(withMarch, decision)).toEqual(["2026-05-20T12:00", "2026-04-30T12:00", "2026-03-31T12:00"]);
      expect(decision.keep.get("s0000")).toEqual(["keepMonthly"]);
      expect([...decision.keep.values()].flat()).not.toContain("oldest");
    });

    it("'oldest' is given once, however many rules keep the oldest that way; a rule that keeps it by its bucket is listed too", () => {
      // 2026-04-10 is in ISO week 15 with 04-11 and 04-12, and in April with 04-30
      const twoRules = applyRetention(aprilToMay, policyOf({ keepWeekly: 10, keepMonthly: 6 }));
      expect(twoRules.keep.get("s0000")).toEqual(["oldest"]);
      const threeRules = applyRetention(aprilToMay, policyOf({ keepDaily: 100, keepWeekly: 10, keepMonthly: 6 }));
      expect(threeRules.keep.get("s0000")).toEqual(["keepDaily", "oldest"]);
    });

    it("a short history under the default policy keeps its oldest snapshot: 10 daily snapshots of a new workload", () => {
      // Monday 2026-05-04 to Wednesday 2026-05-13: ISO weeks 19 and 20, one month
      const tenDays = toCandidates(regularHistory("2026-05-13T12:00:00Z", 10, 24 * 60));
      const decision = applyRetention(tenDays, { ...DEFAULT_RETENTION, timezone: "UTC" });
      expect(keptIds(tenDays, decision)).toEqual(["s0009", "s0008", "s0007", "s0006", "s0005", "s0004", "s0003", "s0000"]);
      expect(decision.keep.get("s0006")).toEqual(["keepLast", "keepWeekly"]);
      expect(decision.keep.get("s0000")).toEqual(["oldest"]);
      expect(decision.remove).toEqual(["s0002", "s0001"]);
    });

    it("the oldest is the oldest snapshot the policy covers: not a manual one (unless included), never a pre-restore one", () => {
      const hours = regularHistory("2026-05-04T15:00:00Z", 4, 60);
      const manualFirst = toCandidates(hours, { s0000: { kind: "manual" } });
      const scheduledOnly = applyRetention(manualFirst, policyOf({ keepDaily: 5 }));
      expect(scheduledOnly.keep.get("s0000")).toEqual(["not-in-policy"]);
      expect(scheduledOnly.keep.get("s0001")).toEqual(["oldest"]);
      expect(scheduledOnly.remove).toEqual(["s0002"]);
      const withManual = applyRetention(manualFirst, policyOf({ keepDaily: 5 }, "UTC", true));
      expect(withManual.keep.get("s0000")).toEqual(["oldest"]);
      expect(withManual.remove).toEqual(["s0002", "s0001"]);

      const preRestoreFirst = toCandidates(hours, { s0000: { kind: "pre-restore" } });
      const decision = applyRetention(preRestoreFirst, policyOf({ keepDaily: 5 }, "UTC", true));
      expect(decision.keep.get("s0000")).toEqual(["not-in-policy"]);
      expect(decision.keep.get("s0001")).toEqual(["oldest"]);
    });

    it("a pinned oldest snapshot is kept as 'oldest' and 'pinned'; with the count used up, as 'pinned' only", () => {
      const pinnedFirst = toCandidates(regularHistory("2026-05-04T15:00:00Z", 4, 60), { s0000: { pinned: true } });
      expect(applyRetention(pinnedFirst, policyOf({ keepDaily: 5 })).keep.get("s0000")).toEqual(["oldest", "pinned"]);
      expect(applyRetention(pinnedFirst, policyOf({ keepDaily: 1 })).keep.get("s0000")).toEqual(["pinned"]);
    });
  });

  it("a policy with every count zero keeps everything, whatever the kind", () => {
    const candidates = toCandidates(regularHistory("2026-05-04T12:00:00Z", 6, 60), { s0005: { kind: "pre-restore" } });
    const decision = applyRetention(candidates, policyOf({}));
    expect(decision.remove).toEqual([]);
    expect(decision.keep.size).toBe(6);
    expect(decision.keep.get("s0004")).toEqual(["empty-policy"]);
    expect(decision.keep.get("s0005")).toEqual(["not-in-policy"]);
  });

  it("a pinned snapshot in the middle of the history is kept", () => {
    const candidates = toCandidates(regularHistory("2026-05-04T12:00:00Z", 48, 60), { s0020: { pinned: true } });
    const decision = applyRetention(candidates, policyOf({ keepLast: 3 }));
    expect(keptIds(candidates, decision)).toEqual(["s0047", "s0046", "s0045", "s0020"]);
    expect(decision.keep.get("s0020")).toEqual(["pinned"]);
    expect(decision.remove).toHaveLength(44);
    expect(decision.remove[0]).toBe("s0044");
  });

  it("a pinned snapshot still takes part in the buckets (like restic's --keep-tag): as its day's newest, the day's older one goes", () => {
    const candidates = at("2026-03-01T12:00:00Z", "2026-03-02T06:00:00Z", "2026-03-02T18:00:00Z", "2026-03-03T12:00:00Z");
    candidates[2]!.pinned = true;
    const decision = applyRetention(candidates, policyOf({ keepDaily: 2 }));
    expect(keptIds(candidates, decision)).toEqual(["s0003", "s0002"]);
    expect(decision.keep.get("s0002")).toEqual(["keepDaily", "pinned"]);
    expect(decision.remove).toEqual(["s0001", "s0000"]);
  });

  it("the newest good snapshot is never removed: with the newest file missing, the next good one is kept too", () => {
    const candidates = toCandidates(regularHistory("2026-05-04T12:00:00Z", 5, 60), { s0004: { good: false } });
    const decision = applyRetention(candidates, policyOf({ keepLast: 1 }));
    expect(keptIds(candidates, decision)).toEqual(["s0004", "s0003"]);
    expect(decision.keep.get("s0004")).toEqual(["keepLast"]);
    expect(decision.keep.get("s0003")).toEqual(["newest-good"]);
    expect(decision.remove).toEqual(["s0002", "s0001", "s0000"]);

    const twoMissing = toCandidates(regularHistory("2026-05-04T12:00:00Z", 5, 60), { s0004: { good: false }, s0003: { good: false } });
    expect(keptIds(twoMissing, applyRetention(twoMissing, policyOf({ keepDaily: 1 })))).toEqual(["s0004", "s0002"]);
    const noneGood = toCandidates(regularHistory("2026-05-04T12:00:00Z", 3, 60), {
      s0000: { good: false },
      s0001: { good: false },
      s0002: { good: false },
    });
    expect(keptIds(noneGood, applyRetention(noneGood, policyOf({ keepLast: 1 })))).toEqual(["s0002"]);
  });

  describe("kinds", () => {
    const kinds = ["scheduled", "manual", "scheduled", "imported", "scheduled", "pre-restore", "manual", "pre-restore"];
    const mixed = toCandidates(
      regularHistory("2026-05-04T15:00:00Z", kinds.length, 60),
      Object.fromEntries(kinds.map((kind, i) => [`s000${i}`, { kind }])),
    );

    it("without includeManual only scheduled snapshots are covered; the others are kept and use up no count", () => {
      const decision = applyRetention(mixed, policyOf({ keepLast: 2 }));
      expect(decision.keep.get("s0004")).toEqual(["keepLast"]);
      expect(decision.keep.get("s0002")).toEqual(["keepLast"]);
      for (const id of ["s0001", "s0003", "s0005", "s0006", "s0007"]) expect(decision.keep.get(id), id).toEqual(["not-in-policy"]);
      expect(decision.remove).toEqual(["s0000"]);
    });

    it("with includeManual manual and imported snapshots are covered; pre-restore ones never are", () => {
      const decision = applyRetention(mixed, policyOf({ keepLast: 2 }, "UTC", true));
      expect(keptIds(mixed, decision)).toEqual(["s0007", "s0006", "s0005", "s0004"]);
      expect(decision.keep.get("s0006")).toEqual(["keepLast"]);
      expect(decision.keep.get("s0007")).toEqual(["not-in-policy"]);
      expect(decision.remove).toEqual(["s0003", "s0002", "s0001", "s0000"]);

      const daily = applyRetention(mixed, policyOf({ keepDaily: 1 }, "UTC", true));
      expect(keptIds(mixed, daily)).toEqual(["s0007", "s0006", "s0005"]);
    });

    it("the oracle agrees on a long mixed history, with and without includeManual", () => {
      const order = ["scheduled", "scheduled", "manual", "scheduled", "imported", "pre-restore", "scheduled"];
      const history = toCandidates(irregularHistory("2026-01-01T00:00:00Z", "2026-06-01T00:00:00Z", 7)).map((c, i) => ({
        ...c,
        kind: order[i % order.length]!,
        pinned: i % 97 === 0,
      }));
      for (const includeManual of [false, true]) {
        expectOracle(history, policyOf({ keepLast: 3, keepDaily: 10, keepWeekly: 6, keepMonthly: 3 }, "Europe/Berlin", includeManual));
      }
    });
  });

  describe("ISO weeks at year boundaries", () => {
    it("2020-12-31 and 2021-01-03 are both in 2020-W53: weekly keeps one of them, yearly and monthly 2020-12-31 and the oldest", () => {
      const candidates = at(
        "2020-12-27T12:00:00Z", // Sunday, 2020-W52
        "2020-12-28T12:00:00Z", // Monday, 2020-W53
        "2020-12-31T12:00:00Z", // Thursday, 2020-W53
        "2021-01-03T12:00:00Z", // Sunday, 2020-W53
        "2021-01-04T12:00:00Z", // Monday, 2021-W1
      );
      const weekly = applyRetention(candidates, policyOf({ keepWeekly: 10 }));
      expect(keptIds(candidates, weekly)).toEqual(["s0004", "s0003", "s0000"]);
      expect(weekly.keep.get("s0000")).toEqual(["keepWeekly"]); // 2020-W52 is its own week
      // 2020-12-27 shares 2020 and December with 2020-12-31: kept as the oldest
      const yearly = applyRetention(candidates, policyOf({ keepYearly: 10 }));
      expect(keptIds(candidates, yearly)).toEqual(["s0004", "s0002", "s0000"]);
      expect(yearly.keep.get("s0000")).toEqual(["oldest"]);
      expect(keptIds(candidates, applyRetention(candidates, policyOf({ keepMonthly: 10 })))).toEqual(["s0004", "s0002", "s0000"]);
    });

    it("2026 has 53 weeks: 2026-12-28 to 2027-01-03 is one week of its own", () => {
      const candidates = at(
        "2026-12-20T12:00:00Z", // Sunday, 2026-W51
        "2026-12-27T12:00:00Z", // Sunday, 2026-W52
        "2026-12-28T12:00:00Z", // Monday, 2026-W53
        "2027-01-03T12:00:00Z", // Sunday, 2026-W53
        "2027-01-04T12:00:00Z", // Monday, 2027-W1
      );
      expect(keptIds(candidates, applyRetention(candidates, policyOf({ keepWeekly: 10 })))).toEqual(["s0004", "s0003", "s0001", "s0000"]);
      expect(keptIds(candidates, applyRetention(candidates, policyOf({ keepWeekly: 3 })))).toEqual(["s0004", "s0003", "s0001"]);
    });

    it("the week is read in the policy's zone: 2027-01-03T23:30Z is Sunday (2026-W53) in UTC, Monday (2027-W1) in Berlin", () => {
      const candidates = at("2027-01-03T12:00:00Z", "2027-01-03T23:30:00Z");
      // one week in UTC: s0000 is kept only as the oldest; two weeks in Berlin: by its own week
      const utc = applyRetention(candidates, policyOf({ keepWeekly: 5 }));
      expect(keptIds(candidates, utc)).toEqual(["s0001", "s0000"]);
      expect(utc.keep.get("s0000")).toEqual(["oldest"]);
      const berlin = applyRetention(candidates, policyOf({ keepWeekly: 5 }, "Europe/Berlin"));
      expect(keptIds(candidates, berlin)).toEqual(["s0001", "s0000"]);
      expect(berlin.keep.get("s0000")).toEqual(["keepWeekly"]);
      expect(keptIds(candidates, applyRetention(candidates, policyOf({ keepWeekly: 1 })))).toEqual(["s0001"]);
    });
  });

  describe("time zones and DST", () => {
    // s0000, the oldest, is kept by its own day, or as the oldest where it shares a day
    it.each([
      ["UTC", ["s0003", "s0001", "s0000"], "oldest"], // 15th 10:30, 15th 23:30 | 16th 04:30, 16th 12:30
      ["Europe/Berlin", ["s0003", "s0000"], "keepDaily"], // 15th 11:30 | 16th 00:30, 05:30, 13:30
      ["America/New_York", ["s0003", "s0002", "s0000"], "oldest"], // 15th 05:30, 18:30, 23:30 | 16th 07:30
      ["Pacific/Auckland", ["s0003", "s0002", "s0000"], "keepDaily"], // 15th 23:30 | 16th 12:30, 17:30 | 17th 01:30
    ])("the same four instants fall on different days in %s (keep-daily 10)", (zone, expected, oldestReason) => {
      const candidates = at("2026-01-15T10:30:00Z", "2026-01-15T23:30:00Z", "2026-01-16T04:30:00Z", "2026-01-16T12:30:00Z");
      const decision = applyRetention(candidates, policyOf({ keepDaily: 10 }, zone));
      expect(keptIds(candidates, decision)).toEqual(expected);
      expect(decision.keep.get("s0000")).toEqual([oldestReason]);
    });

    // 2026-10-25 in Berlin: 03:00 CEST becomes 02:00 CET, so 02:00-02:59 is lived twice.
    const fallBack = at(
      "2026-10-24T23:50:00Z", // 01:50 CEST
      "2026-10-25T00:10:00Z", // 02:10 CEST
      "2026-10-25T00:40:00Z", // 02:40 CEST
      "2026-10-25T01:10:00Z", // 02:10 CET
      "2026-10-25T01:40:00Z", // 02:40 CET
      "2026-10-25T02:10:00Z", // 03:10 CET
    );

    it(
      "Berlin's fall-back: both wall-clock 02:xx hours of 2026-10-25 are ONE hourly bucket, because restic's hourly key is " +
        "the wall clock's year, month, day and hour (Go's Time.Hour reads 2 in both), so only the newest 02:xx is kept",
      () => {
        expect(keptIds(fallBack, applyRetention(fallBack, policyOf({ keepHourly: 10 }, "Europe/Berlin")))).toEqual([
          "s0005",
          "s0004",
          "s0000",
        ]);
        expect(keptIds(fallBack, applyRetention(fallBack, policyOf({ keepHourly: 2 }, "Europe/Berlin")))).toEqual(["s0005", "s0004"]);
        // the same instants in UTC are four hours
        expect(keptIds(fallBack, applyRetention(fallBack, policyOf({ keepHourly: 10 })))).toEqual(["s0005", "s0004", "s0002", "s0000"]);
      },
    );

    it("a 23-hour day (Berlin, 2026-03-29) is one daily bucket", () => {
      const candidates = at(
        "2026-03-28T22:30:00Z", // 28th 23:30 CET
        "2026-03-28T23:15:00Z", // 29th 00:15 CET
        "2026-03-29T12:00:00Z", // 29th 14:00 CEST
        "2026-03-29T21:45:00Z", // 29th 23:45 CEST
        "2026-03-29T22:15:00Z", // 30th 00:15 CEST
      );
      expect(keptIds(candidates, applyRetention(candidates, policyOf({ keepDaily: 10 }, "Europe/Berlin")))).toEqual([
        "s0004",
        "s0003",
        "s0000",
      ]);
      // in UTC s0000 and s0001 share the 28th: s0000 is kept as the oldest only
      const utc = applyRetention(candidates, policyOf({ keepDaily: 10 }));
      expect(keptIds(candidates, utc)).toEqual(["s0004", "s0001", "s0000"]);
      expect(utc.keep.get("s0000")).toEqual(["oldest"]);
    });

    it("a 25-hour day (Berlin, 2026-10-25) is one daily bucket, though its first and last snapshot are 24h40m apart", () => {
      const candidates = at(
        "2026-10-24T21:50:00Z", // 24th 23:50 CEST
        "2026-10-24T22:10:00Z", // 25th 00:10 CEST
        "2026-10-25T01:30:00Z", // 25th 02:30 CET
        "2026-10-25T22:50:00Z", // 25th 23:50 CET
        "2026-10-25T23:10:00Z", // 26th 00:10 CET
      );
      expect(keptIds(candidates, applyRetention(candidates, policyOf({ keepDaily: 10 }, "Europe/Berlin")))).toEqual([
        "s0004",
        "s0003",
        "s0000",
      ]);
      // in UTC s0000 and s0001 share the 28th: s0000 is kept as the oldest only
      const utc = applyRetention(candidates, policyOf({ keepDaily: 10 }));
      expect(keptIds(candidates, utc)).toEqual(["s0004", "s0001", "s0000"]);
      expect(utc.keep.get("s0000")).toEqual(["oldest"]);
    });

    it(
      "a clock turned back across an hour boundary (Antarctica/Troll, +02 to +00 on 2026-10-25) repeats wall hours 01 and 02: " +
        "restic counts a bucket each time the walk's bucket changes, so keep-hourly 3 keeps three snapshots of two wall hours " +
        "(as restic 0.14 does; the documented text alone would suggest two)",
      () => {
        const candidates = at(
          "2026-10-24T23:30:00Z", // 01:30 +02
          "2026-10-25T00:30:00Z", // 02:30 +02
          "2026-10-25T01:30:00Z", // 01:30 +00
          "2026-10-25T02:30:00Z", // 02:30 +00
        );
        const decision = applyRetention(candidates, policyOf({ keepHourly: 3 }, "Antarctica/Troll"));
        expect(keptIds(candidates, decision)).toEqual(["s0003", "s0002", "s0001"]);
        expect(decision.remove).toEqual(["s0000"]);
      },
    );
  });
});
