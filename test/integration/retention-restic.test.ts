// applyRetention (src/server/engine/retention/retention-policy.ts) against restic itself: a real
// restic repository gets one snapshot per instant of a generated history (`restic backup --time`,
// read in the child's TZ), then for several policies the snapshots `restic forget --dry-run
// --json` keeps, and the rules it keeps each one by, are compared with applyRetention's. Run in
// UTC and in Europe/Berlin, over a history that crosses Berlin's DST fall-back, a month, an ISO
// week and a year boundary. restic refuses a policy without counts, so that one is not compared.
//
// Berth follows restic 0.17 and later, which also keeps the oldest snapshot while a rule still
// has count left at it (Berth's reason "oldest"). The restic here and in CI is Debian's 0.14,
// which predates that, so the comparison is: Berth's kept set is restic 0.14's plus at most the
// oldest snapshot, added exactly when Berth keeps it for "oldest" alone; every other snapshot is
// kept by the same rules in both. Whether restic 0.17 would add the oldest is read off restic
// 0.14's own answer (a rule that kept fewer snapshots than its count, and not the oldest) and
// must match Berth's "oldest". Some policies below add the oldest and some do not (counts used
// up); each says which, so both sides of the difference are exercised.
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyRetention, type RetentionCandidate } from "~/server/engine/retention/retention-policy";
import { DEFAULT_RETENTION, KEEP_RULES, type KeepRule } from "~/shared/retention";
import { seededRandom, toCandidates, utcOffsetMinutes, wallClock, wallClockRepeatsLater } from "../support/retention-history";

const execFileAsync = promisify(execFile);

/** restic's flag and its JSON "matches" text for each rule */
const RESTIC_RULES: Record<KeepRule, { flag: string; match: string }> = {
  keepLast: { flag: "--keep-last", match: "last snapshot" },
  keepHourly: { flag: "--keep-hourly", match: "hourly snapshot" },
  keepDaily: { flag: "--keep-daily", match: "daily snapshot" },
  keepWeekly: { flag: "--keep-weekly", match: "weekly snapshot" },
  keepMonthly: { flag: "--keep-monthly", match: "monthly snapshot" },
  keepYearly: { flag: "--keep-yearly", match: "yearly snapshot" },
};

const counts = (c: Partial<Record<KeepRule, number>>) =>
  Object.fromEntries(KEEP_RULES.map((rule) => [rule, c[rule] ?? 0])) as Record<KeepRule, number>;

const POLICIES: Record<string, Record<KeepRule, number>> = {
  "keep-last 5": counts({ keepLast: 5 }),
  "keep-hourly 100 (every hour of the history)": counts({ keepHourly: 100 }),
  "keep-hourly 12": counts({ keepHourly: 12 }),
  "keep-daily 20": counts({ keepDaily: 20 }),
  "keep-weekly 6": counts({ keepWeekly: 6 }),
  "keep-monthly 3": counts({ keepMonthly: 3 }),
  "keep-yearly 2": counts({ keepYearly: 2 }),
  "the default (7 last, 4 weekly, 6 monthly)": counts(DEFAULT_RETENTION),
  "every rule at once": counts({ keepLast: 2, keepHourly: 10, keepDaily: 7, keepWeekly: 5, keepMonthly: 3, keepYearly: 1 }),
  "daily and weekly far beyond the history": counts({ keepDaily: 500, keepWeekly: 500 }),
};

/** the policies under which Berth (as restic 0.17) keeps the oldest snapshot for "oldest" alone, in both zones */
const OLDEST_ADDED = new Set(["the default (7 last, 4 weekly, 6 monthly)"]);

/**
 * About 45 instants from 2026-10-18 to 2027-01-12: fixed ones on the edges, the rest at random
 * (seeded), so gaps run from minutes to days.
 */
function history(): Date[] {
  const edges = [
    // Berlin's fall-back night, 2026-10-25: 02:00-02:59 comes twice (CEST, then CET)
    "2026-10-24T21:50:00Z",
    "2026-10-24T22:10:00Z",
    "2026-10-24T23:50:00Z",
    "2026-10-25T00:10:00Z",
    "2026-10-25T00:40:00Z",
    "2026-10-25T01:10:00Z",
    "2026-10-25T01:40:00Z",
    "2026-10-25T02:10:00Z",
    "2026-10-25T22:50:00Z",
    "2026-10-25T23:10:00Z",
    // the end of October and of ISO week 44, in UTC and in Berlin
    "2026-10-31T22:30:00Z",
    "2026-10-31T23:30:00Z",
    "2026-11-01T22:30:00Z",
    "2026-11-01T23:30:00Z",
    // several in one hour
    "2026-12-10T09:05:00Z",
    "2026-12-10T09:20:00Z",
    "2026-12-10T09:55:00Z",
    "2026-12-10T10:01:00Z",
    // the year's end, and the end of 2026-W53 (2027-01-03 is its Sunday)
    "2026-12-31T12:00:00Z",
    "2026-12-31T22:30:00Z",
    "2026-12-31T23:30:00Z",
    "2027-01-01T00:30:00Z",
    "2027-01-03T12:00:00Z",
    "2027-01-03T23:30:00Z",
    "2027-01-04T08:00:00Z",
  ].map((iso) => Date.parse(iso));
  const random = seededRandom(2026);
  const from = Date.parse("2026-10-18T00:00:00Z");
  const span = Date.parse("2027-01-12T00:00:00Z") - from;
  const scattered = Array.from({ length: 20 }, () => from + Math.round((random() * span) / 1000) * 1000);
  return [...new Set([...edges, ...scattered])].sort((a, b) => a - b).map((t) => new Date(t));
}

/** The Etc zone with a fixed UTC offset (POSIX sign: Etc/GMT-2 is UTC+2) */
function fixedZone(offsetMinutes: number): string {
  if (offsetMinutes % 60 !== 0) throw new Error(`no Etc zone for an offset of ${offsetMinutes} minutes`);
  return offsetMinutes === 0 ? "UTC" : `Etc/GMT${offsetMinutes > 0 ? "-" : "+"}${Math.abs(offsetMinutes) / 60}`;
}

/** An offset as restic's JSON writes it: Z, +01:00 */
function offsetText(minutes: number): string {
  if (minutes === 0) return "Z";
  const abs = Math.abs(minutes);
  return `${minutes > 0 ? "+" : "-"}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/** Runs `work` on every item, `width` at a time */
async function inParallel<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

interface ResticSnapshot {
  id: string;
  time: string;
}

interface ResticForgetGroup {
  keep: ResticSnapshot[] | null;
  remove: ResticSnapshot[] | null;
  reasons: { matches: string[] }[] | null;
}

describe.each(["UTC", "Europe/Berlin"])("applyRetention keeps what restic forget keeps, in %s", (zone) => {
  let root: string;
  let candidates: RetentionCandidate[];
  /** restic's snapshot id → our candidate id, matched by time */
  const byResticId = new Map<string, string>();
  let resticTimes: string[];

  async function restic(args: string[], timeZone = zone): Promise<string> {
    const env = {
      ...process.env,
      TZ: timeZone,
      RESTIC_REPOSITORY: path.join(root, "repo"),
      RESTIC_PASSWORD: "berth-retention-test",
      RESTIC_CACHE_DIR: path.join(root, "cache"),
    };
    const { stdout } = await execFileAsync("restic", args, { env, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  }

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "berth-restic-"));
    await fs.mkdir(path.join(root, "data"));
    await fs.writeFile(path.join(root, "data", "note.txt"), "retention\n");
    await restic(["version"]).catch((error: Error) => {
      throw new Error(`restic is needed (scripts/ensure-system-deps.sh installs it): ${error.message}`);
    });
    await restic(["init", "--quiet"]);

    const instants = history();
    candidates = toCandidates(instants);
    // --time is wall-clock time read in TZ. The first pass through an hour the clock is turned
    // back over reads the same as the second, and restic takes the second; the first is named
    // in a fixed zone with the offset it has (restic keeps that offset, and buckets by it).
    await inParallel(instants, 2, async (at) => {
      const timeZone = wallClockRepeatsLater(zone, at) ? fixedZone(utcOffsetMinutes(zone, at)) : zone;
      await restic(["backup", "--quiet", "--host", "h", "--time", wallClock(zone, at), path.join(root, "data")], timeZone);
    });

    const listed = JSON.parse(await restic(["snapshots", "--json"])) as ResticSnapshot[];
    resticTimes = listed.map((s) => s.time);
    const idAt = new Map(candidates.map((c) => [c.createdAt.getTime(), c.id]));
    for (const snapshot of listed) {
      const id = idAt.get(Date.parse(snapshot.time));
      if (!id) throw new Error(`restic made a snapshot at ${snapshot.time}, which is not in the history`);
      byResticId.set(snapshot.id, id);
    }
  });

  afterAll(async () => {
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it("restic holds one snapshot per instant of the history, with the zone's wall clock and offset at that instant", () => {
    expect(candidates.length).toBeGreaterThanOrEqual(40);
    expect(new Set(byResticId.values()).size).toBe(candidates.length);
    expect(byResticId.size).toBe(candidates.length);
    const expected = candidates.map(
      (c) => `${wallClock(zone, c.createdAt).replace(" ", "T")}${offsetText(utcOffsetMinutes(zone, c.createdAt))}`,
    );
    expect([...resticTimes].sort()).toEqual(expected.sort());
  });

  it.each(Object.entries(POLICIES))("%s", async (name, policy) => {
    const flags = KEEP_RULES.flatMap((rule) => [RESTIC_RULES[rule].flag, String(policy[rule])]);
    const groups = JSON.parse(await restic(["forget", "--dry-run", "--json", ...flags])) as ResticForgetGroup[];
    expect(groups).toHaveLength(1);
    const group = groups[0]!;
    const ours = (snapshots: ResticSnapshot[] | null) => (snapshots ?? []).map((s) => byResticId.get(s.id));
    const resticKeep = ours(group.keep);
    const resticRemove = ours(group.remove);
    const resticRules = (group.reasons ?? []).map((reason) =>
      KEEP_RULES.filter((rule) => reason.matches.includes(RESTIC_RULES[rule].match)),
    );

    const decision = applyRetention(candidates, { ...policy, timezone: zone, includeManual: false });
    const newestFirst = [...candidates].reverse();
    const oldest = candidates[0]!.id;
    const oldestReasons = decision.keep.get(oldest) ?? [];
    // restic 0.14 has no "oldest" rule: an oldest kept for that alone is Berth's addition
    const added = oldestReasons.length === 1 && oldestReasons[0] === "oldest";
    const keep = newestFirst.filter((c) => decision.keep.has(c.id) && !(added && c.id === oldest)).map((c) => c.id);
    const rules = keep.map((id) => KEEP_RULES.filter((rule) => decision.keep.get(id)!.includes(rule)));

    expect(keep).toEqual(resticKeep);
    expect(rules).toEqual(resticRules);
    expect(decision.remove).toEqual(resticRemove.filter((id) => !(added && id === oldest)));
    expect(decision.keep.size + decision.remove.length).toBe(candidates.length);

    // restic 0.17 keeps the oldest besides when a rule kept fewer than its count and not the oldest
    const oldestRules = resticRules[resticKeep.indexOf(oldest)] ?? [];
    const resticWouldAdd = KEEP_RULES.some(
      (rule) => resticRules.filter((r) => r.includes(rule)).length < policy[rule] && !oldestRules.includes(rule),
    );
    expect(oldestReasons.includes("oldest")).toBe(resticWouldAdd);
    const keptAsOldest = [...decision.keep].filter(([, reasons]) => reasons.includes("oldest")).map(([id]) => id);
    expect(keptAsOldest).toEqual(resticWouldAdd ? [oldest] : []);
    expect(added, "Berth keeps the oldest for 'oldest' alone").toBe(OLDEST_ADDED.has(name));
  });
});
