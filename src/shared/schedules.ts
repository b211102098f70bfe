import { Cron } from "croner";
import { isOneOf } from "./codes";

/**
 * Schedules are five-field cron expressions (minute hour day-of-month month day-of-week) read
 * in an IANA time zone; croner computes the times, here and in the browser's preview alike.
 * The presets are only ways to write one.
 */
export const SCHEDULE_PRESETS = ["hourly", "daily", "weekly", "custom"] as const;
export type SchedulePreset = (typeof SCHEDULE_PRESETS)[number];

export interface PresetTime {
  /** 0–59 */
  minute: number;
  /** 0–23 (daily, weekly) */
  hour: number;
  /** 0 = Sunday … 6 = Saturday (weekly) */
  weekday: number;
}

export function presetCron(preset: Exclude<SchedulePreset, "custom">, at: PresetTime): string {
  if (preset === "hourly") return `${at.minute} * * * *`;
  if (preset === "daily") return `${at.minute} ${at.hour} * * *`;
  return `${at.minute} ${at.hour} * * ${at.weekday}`;
}

/** Which preset wrote an expression (and its time), or custom. */
export function presetOf(cron: string): { preset: SchedulePreset; at: PresetTime } {
  const parts = cron.trim().split(/\s+/);
  const num = (s: string | undefined, max: number) => (s !== undefined && /^\d{1,2}$/.test(s) && Number(s) <= max ? Number(s) : null);
  const [m, h, dom, mon, dow] = parts;
  const minute = num(m, 59);
  const hour = num(h, 23);
  const weekday = num(dow, 6);
  const at = { minute: minute ?? 0, hour: hour ?? 3, weekday: weekday ?? 0 };
  if (parts.length === 5 && minute !== null && dom === "*" && mon === "*") {
    if (h === "*" && dow === "*") return { preset: "hourly", at };
    if (hour !== null && dow === "*") return { preset: "daily", at };
    if (hour !== null && weekday !== null) return { preset: "weekly", at };
  }
  return { preset: "custom", at };
}

export const CRON_MAX_LENGTH = 200;

/** Why an expression is refused, as a code (errors.schedule-cron-invalid), or null when it is a valid five-field expression. */
export function cronProblem(cron: string): "fields" | "pattern" | null {
  const trimmed = cron.trim();
  if (trimmed.length === 0 || trimmed.length > CRON_MAX_LENGTH || trimmed.split(/\s+/).length !== 5) return "fields";
  try {
    new Cron(trimmed, { paused: true });
    return null;
  } catch {
    return "pattern";
  }
}

/** Whether the runtime knows the IANA time zone. */
export function isTimeZone(zone: string): boolean {
  if (zone.length === 0 || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The next `count` due times strictly after `after`, in the schedule's time zone. */
export function nextDueTimes(cron: string, timezone: string, after: Date, count = 1): Date[] {
  return new Cron(cron.trim(), { paused: true, timezone }).nextRuns(count, after);
}

/** The latest due time at or before `at`, or null when none is after `since`. */
export function latestDueTime(cron: string, timezone: string, since: Date, at: Date): Date | null {
  const first = nextDueTimes(cron, timezone, since)[0];
  if (!first || first > at) return null;
  const [previous] = new Cron(cron.trim(), { paused: true, timezone }).previousRuns(1, new Date(at.getTime() + 1));
  return previous && previous > since ? previous : first;
}

/** How a scheduled run ended (ScheduleRun.outcome; null while queued or running). */
export const SCHEDULE_RUN_OUTCOMES = ["succeeded", "failed", "interrupted"] as const;
export type ScheduleRunOutcome = (typeof SCHEDULE_RUN_OUTCOMES)[number];
export const isScheduleRunOutcome = isOneOf(SCHEDULE_RUN_OUTCOMES);
