// Due times as croner computes them for schedules: presets, refused expressions, the latest due
// time missed (what a catch-up run is for) and wall-clock times across DST changes.
import { describe, expect, it } from "vitest";
import { cronProblem, isTimeZone, latestDueTime, nextDueTimes, presetCron, presetOf } from "~/shared/schedules";

const utc = (s: string) => new Date(`${s}Z`);

describe("presets", () => {
  it.each([
    ["hourly", { minute: 15, hour: 0, weekday: 0 }, "15 * * * *"],
    ["daily", { minute: 5, hour: 3, weekday: 0 }, "5 3 * * *"],
    ["weekly", { minute: 0, hour: 23, weekday: 1 }, "0 23 * * 1"],
  ] as const)("writes %s as a cron expression and reads it back", (preset, at, cron) => {
    expect(presetCron(preset, at)).toBe(cron);
    expect(presetOf(cron)).toMatchObject({ preset, at: { minute: at.minute, ...(preset === "hourly" ? {} : { hour: at.hour }) } });
  });

  it("reads anything else as custom", () => {
    for (const cron of ["*/5 * * * *", "0 3 1 * *", "0 3 * 1 *", "0 1-5 * * *", "0 3 * * 1-5"])
      expect(presetOf(cron).preset).toBe("custom");
  });
});

describe("refused expressions and zones", () => {
  it.each([
    ["", "fields"],
    ["* * * *", "fields"],
    ["0 0 * * * *", "fields"],
    ["@daily", "fields"],
    ["61 * * * *", "pattern"],
    ["0 25 * * *", "pattern"],
    ["x * * * *", "pattern"],
  ])("%j is refused (%s)", (cron, problem) => {
    expect(cronProblem(cron)).toBe(problem);
  });

  it("accepts five valid fields and known zones only", () => {
    expect(cronProblem("*/15 2-4 1,15 * 1-5")).toBeNull();
    expect(isTimeZone("Europe/Berlin")).toBe(true);
    expect(isTimeZone("UTC")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
    expect(isTimeZone("")).toBe(false);
  });
});

describe("due times", () => {
  it("finds the latest due time missed, or none before the first is due", () => {
    const since = utc("2026-12-01T00:30:00");
    expect(latestDueTime("0 * * * *", "UTC", since, utc("2026-12-01T00:59:59"))).toBeNull();
    expect(latestDueTime("0 * * * *", "UTC", since, utc("2026-12-01T01:00:00"))).toEqual(utc("2026-12-01T01:00:00"));
    expect(latestDueTime("0 * * * *", "UTC", since, utc("2026-12-08T05:10:00"))).toEqual(utc("2026-12-08T05:00:00"));
    // A due time equal to `since` was handled already.
    expect(latestDueTime("0 * * * *", "UTC", utc("2026-12-01T01:00:00"), utc("2026-12-01T01:30:00"))).toBeNull();
  });

  it("reads the expression in the schedule's zone", () => {
    expect(nextDueTimes("0 3 * * *", "Europe/Berlin", utc("2026-12-01T12:00:00"))).toEqual([utc("2026-12-02T02:00:00")]);
    expect(nextDueTimes("0 3 * * *", "America/New_York", utc("2026-12-01T12:00:00"))).toEqual([utc("2026-12-02T08:00:00")]);
    expect(nextDueTimes("0 3 * * *", "Asia/Kolkata", utc("2026-12-01T12:00:00"))).toEqual([utc("2026-12-01T21:30:00")]);
  });

  it("runs a daily 02:30 at 03:00 on the day clocks skip it, and once on the day it comes twice", () => {
    // Europe/Berlin: 2026-03-29 02:00 CET → 03:00 CEST; 2026-10-25 03:00 CEST → 02:00 CET.
    expect(nextDueTimes("30 2 * * *", "Europe/Berlin", utc("2026-03-28T12:00:00"), 2)).toEqual([
      utc("2026-03-29T01:00:00"),
      utc("2026-03-30T00:30:00"),
    ]);
    expect(nextDueTimes("30 2 * * *", "Europe/Berlin", utc("2026-10-24T12:00:00"), 2)).toEqual([
      utc("2026-10-25T00:30:00"),
      utc("2026-10-26T01:30:00"),
    ]);
  });
});
