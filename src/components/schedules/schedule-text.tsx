"use client";

import { useTranslations } from "next-intl";
import { useCallback } from "react";
import { DateTime } from "~/components/format/date-time";
import { Badge } from "~/components/ui/badge";
import { reasonText, type Translator } from "~/components/ui/trpc-error";
import { presetOf } from "~/shared/schedules";
import type { RouterOutputs } from "~/trpc/react";

export type ScheduleView = RouterOutputs["schedule"]["list"][number];
export type ScheduleRunView = RouterOutputs["schedule"]["runs"][number];

/** cron's day-of-week numbers (0 = Sunday) as the message catalogs name them */
export const WEEKDAY_CODES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

const twoDigits = (n: number) => String(n).padStart(2, "0");
export const clockTime = (hour: number, minute: number) => `${twoDigits(hour)}:${twoDigits(minute)}`;

/** A schedule's expression in words when a preset wrote it ("Daily at 03:00"), else the expression itself. */
export function useCronDescription() {
  const t = useTranslations("schedules");
  return useCallback(
    (cron: string) => {
      const { preset, at } = presetOf(cron);
      if (preset === "hourly") return t("describe.hourly", { minute: twoDigits(at.minute) });
      if (preset === "daily") return t("describe.daily", { time: clockTime(at.hour, at.minute) });
      if (preset === "weekly") return t("describe.weekly", { weekday: WEEKDAY_CODES[at.weekday]!, time: clockTime(at.hour, at.minute) });
      return cron;
    },
    [t],
  );
}

const OUTCOME_BADGE = {
  queued: "default",
  running: "default",
  succeeded: "success",
  failed: "destructive",
  interrupted: "warning",
} as const;

/** Where a run stands: its outcome once it ended, else whether it has started. */
export const runState = (run: ScheduleRunView) => run.outcome ?? (run.startedAt ? "running" : "queued");

/**
 * A scheduled run as a badge (succeeded, failed, interrupted, running, queued), when it ended,
 * why it failed in the UI's language, and a failed prune after it.
 */
export function RunOutcome({ run }: { run: ScheduleRunView | null }) {
  const t = useTranslations("schedules");
  const root = useTranslations() as unknown as Translator;
  if (!run) return <span className="text-muted-foreground">{t("noRuns")}</span>;
  const state = runState(run);
  const labels = {
    queued: t("outcome.queued"),
    running: t("outcome.running"),
    succeeded: t("outcome.succeeded"),
    failed: t("outcome.failed"),
    interrupted: t("outcome.interrupted"),
  };
  const reason = state === "failed" || state === "interrupted" ? reasonText(root, run.reason, run.params, run.message ?? "") : "";
  const ended = run.finishedAt ?? run.startedAt ?? run.queuedAt;
  return (
    <span className="inline-flex flex-col items-start gap-0.5">
      <span className="inline-flex flex-wrap items-center gap-1.5">
        <Badge variant={OUTCOME_BADGE[state]}>{labels[state]}</Badge>
        <span className="text-xs text-muted-foreground">
          <DateTime value={ended} />
        </span>
      </span>
      {reason ? <span className="max-w-[20rem] text-xs break-words">{reason}</span> : null}
      {run.pruneFailed ? <span className="text-xs text-warning-soft-foreground">{t("pruneFailed")}</span> : null}
    </span>
  );
}
