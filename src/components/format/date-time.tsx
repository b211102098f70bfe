"use client";

import { useFormatter } from "next-intl";

/** A date in the user's language, in the time zone the server renders with (no hydration drift). */
export function DateTime({ value }: { value: Date }) {
  const format = useFormatter();
  return (
    <time dateTime={value.toISOString()} title={value.toISOString()}>
      {format.dateTime(value, { dateStyle: "medium", timeStyle: "short" })}
    </time>
  );
}
