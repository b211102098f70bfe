"use client";

import { useFormatter, useTranslations } from "next-intl";
import { useCallback } from "react";
import { scaleBytes } from "~/components/snapshots/options";

/**
 * Sizes in the user's language with SI units: "1.2 MB", "1,2 МБ". Plain bytes are spelled out,
 * so the language's plural rules apply ("7 bytes", "2 байта"; the short unit is "7 byte", "7 Б").
 */
export function useFormatBytes() {
  const format = useFormatter();
  return useCallback((bytes: number | bigint) => formatBytes(format, bytes), [format]);
}

/** useFormatBytes' text with a given formatter (next-intl's `useFormatter()` or `createFormatter()`). */
export function formatBytes(format: Pick<ReturnType<typeof useFormatter>, "number">, bytes: number | bigint): string {
  const { value, unit, fractionDigits } = scaleBytes(Number(bytes));
  const unitDisplay = unit === "byte" ? "long" : "short";
  return format.number(value, { style: "unit", unit, unitDisplay, maximumFractionDigits: fractionDigits });
}

/** A duration for "about … left": seconds under a minute, then whole minutes, then hours. */
export function useFormatDuration() {
  const format = useFormatter();
  return useCallback(
    (seconds: number) => {
      if (seconds < 60) return format.number(Math.ceil(seconds), { style: "unit", unit: "second", unitDisplay: "long" });
      if (seconds < 3600) return format.number(Math.ceil(seconds / 60), { style: "unit", unit: "minute", unitDisplay: "long" });
      return format.number(seconds / 3600, { style: "unit", unit: "hour", unitDisplay: "long", maximumFractionDigits: 1 });
    },
    [format],
  );
}

/**
 * A measured duration in milliseconds, precise where it matters: "0.8 s" and "2.4 s" for
 * downtime, whole seconds up to a minute, then minutes with one decimal.
 */
export function useFormatMs() {
  const format = useFormatter();
  return useCallback(
    (ms: number) => {
      const seconds = Math.max(0, ms) / 1000;
      if (seconds < 60) {
        return format.number(seconds, { style: "unit", unit: "second", unitDisplay: "short", maximumFractionDigits: seconds < 10 ? 1 : 0 });
      }
      return format.number(seconds / 60, { style: "unit", unit: "minute", unitDisplay: "short", maximumFractionDigits: 1 });
    },
    [format],
  );
}

export function useFormatPercent() {
  const format = useFormatter();
  return useCallback((fraction: number) => format.number(fraction, { style: "percent", maximumFractionDigits: 0 }), [format]);
}

/** "3 h 12 min", "2 d 4 h", "45 s": the two largest units of a duration. */
export function useFormatUptime() {
  const t = useTranslations("containerStats.duration");
  return useCallback(
    (ms: number) => {
      const seconds = Math.max(0, Math.floor(ms / 1000));
      const [days, hours, minutes] = [Math.floor(seconds / 86_400), Math.floor(seconds / 3600) % 24, Math.floor(seconds / 60) % 60];
      if (days > 0) return t("days", { days, hours });
      if (hours > 0) return t("hours", { hours, minutes });
      if (minutes > 0) return t("minutes", { minutes });
      return t("seconds", { seconds });
    },
    [t],
  );
}

/** A container's CPU share: "3.4 %" under ten, whole percents above. */
export function useFormatCpu() {
  const format = useFormatter();
  return useCallback(
    (percent: number) => format.number(percent / 100, { style: "percent", maximumFractionDigits: percent < 10 ? 1 : 0 }),
    [format],
  );
}
