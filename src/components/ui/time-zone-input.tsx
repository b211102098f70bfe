"use client";

import type * as React from "react";
import { useId, useMemo } from "react";
import { Input } from "./input";

/** The browser's own zone: the default for a new schedule or policy. */
export const browserTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

/** The zones the browser knows, for suggestions (UTC first: not every engine lists it). */
function knownTimeZones(): string[] {
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return ["UTC", ...zones.filter((zone) => zone !== "UTC")];
}

/** A text field for an IANA time zone, suggesting every zone the browser knows; the server checks it. */
export function TimeZoneInput({
  value,
  onChange,
  ...props
}: Omit<React.ComponentProps<typeof Input>, "value" | "onChange" | "list"> & { value: string; onChange: (value: string) => void }) {
  const listId = useId();
  const zones = useMemo(knownTimeZones, []);
  return (
    <>
      <Input
        required
        autoComplete="off"
        spellCheck={false}
        maxLength={64}
        {...props}
        list={listId}
        value={value}
        onChange={(e) => onChange(e.target.value.trim())}
      />
      <datalist id={listId}>
        {zones.map((zone) => (
          <option key={zone} value={zone} />
        ))}
      </datalist>
    </>
  );
}
