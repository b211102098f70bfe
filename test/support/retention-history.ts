// Snapshot histories for the retention tests (test/unit/retention-policy.test.ts and the comparison
// with restic in test/integration/retention-restic.test.ts): instants, generated from a seed so a
// failure replays, and wall-clock helpers computed from the zone's UTC offset (not from the
// formatToParts path the code under test uses).
import type { RetentionCandidate } from "~/server/engine/retention/retention-policy";

const QUARTER_HOUR = 900_000;

/** mulberry32: a small seeded generator, so a generated history is the same on every run */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `count` instants `stepMinutes` apart, the last one at `lastIso` (oldest first) */
export function regularHistory(lastIso: string, count: number, stepMinutes: number): Date[] {
  const last = Date.parse(lastIso);
  return Array.from({ length: count }, (_, i) => new Date(last - (count - 1 - i) * stepMinutes * 60_000));
}

/**
 * Instants from `fromIso` to `toIso` with irregular gaps (oldest first): mostly a few hours,
 * sometimes minutes (several in one hour), sometimes days (buckets without a snapshot).
 */
export function irregularHistory(fromIso: string, toIso: string, seed: number): Date[] {
  const random = seededRandom(seed);
  const out: Date[] = [];
  const end = Date.parse(toIso);
  for (let at = Date.parse(fromIso); at <= end; ) {
    out.push(new Date(at));
    const roll = random();
    const gapMinutes = roll < 0.2 ? 1 + random() * 40 : roll < 0.9 ? 60 + random() * 12 * 60 : 2 * 1440 + random() * 9 * 1440;
    at += Math.round(gapMinutes) * 60_000 + Math.round(random() * 59) * 1000;
  }
  return out;
}

/** Candidates for the given instants: ids `s0000`… oldest first, scheduled, good, unpinned */
export function toCandidates(instants: Date[], overrides: Record<string, Partial<RetentionCandidate>> = {}): RetentionCandidate[] {
  return instants.map((createdAt, i) => {
    const id = `s${String(i).padStart(4, "0")}`;
    return { id, createdAt, kind: "scheduled", pinned: false, good: true, ...overrides[id] };
  });
}

// A formatter is slow to build and the generated histories ask thousands of times.
const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** The UTC offset of `timeZone` at `at`, in minutes (Intl's "GMT+05:30" form, parsed) */
export function utcOffsetMinutes(timeZone: string, at: Date): number {
  let format = offsetFormats.get(timeZone);
  if (!format) offsetFormats.set(timeZone, (format = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" })));
  const name = format.formatToParts(at).find((p) => p.type === "timeZoneName")!.value;
  const match = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name);
  if (!match) throw new Error(`unexpected offset ${name} for ${timeZone}`);
  if (!match[1]) return 0;
  return (match[1] === "-" ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
}

/** Wall-clock time of `at` in `timeZone` as "YYYY-MM-DD HH:MM:SS" (restic's --time format) */
export function wallClock(timeZone: string, at: Date): string {
  const shifted = new Date(at.getTime() + utcOffsetMinutes(timeZone, at) * 60_000);
  return shifted.toISOString().slice(0, 19).replace("T", " ");
}

/**
 * Whether the wall-clock reading of `at` in `timeZone` also names a later instant (the first
 * pass through an hour the clock is turned back over).
 */
export function wallClockRepeatsLater(timeZone: string, at: Date): boolean {
  const wall = wallClock(timeZone, at);
  for (let quarters = 1; quarters <= 12; quarters++) {
    if (wallClock(timeZone, new Date(at.getTime() + quarters * QUARTER_HOUR)) === wall) return true;
  }
  return false;
}
