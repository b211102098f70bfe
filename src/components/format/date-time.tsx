"use client";

import { useFormatter } from "next-intl";

/**
 * A date in the user's language, in the time zone the server renders with (no hydration drift),
 * or in `timeZone` (a schedule's own zone, named after the time).
 */
export function DateTime({ value, timeZone }: { value: Date; timeZone?: string }) {
  const format = useFormatter();
  const text = timeZone
    ? `${format.dateTime(value, { dateStyle: "medium", timeStyle: "short", timeZone })} (${timeZone})`
    : format.dateTime(value, { dateStyle: "medium", timeStyle: "short" });
  return (
    <time dateTime={value.toISOString()} title={value.toISOString()}>
      {text}
    </time>
  );
}

/**
 * How long ago (or how soon) a moment is, counted from `now` ("3 hours ago", "in 20 minutes"),
 * with the exact time in its title. `now` comes with the data (the server's clock when it
 * answered), so the server's render and the browser's agree.
 */
export function RelativeTime({ value, now }: { value: Date; now: Date }) {
  const format = useFormatter();
  return (
    <time dateTime={value.toISOString()} title={format.dateTime(value, { dateStyle: "medium", timeStyle: "short" })}>
      {format.relativeTime(value, { now, style: "short" })}
    </time>
  );
}
