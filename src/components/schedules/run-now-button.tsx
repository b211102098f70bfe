"use client";

import { useTranslations } from "next-intl";
import { RowButton } from "~/components/ui/button";
import { describeError } from "~/components/ui/trpc-error";
import { api } from "~/trpc/react";

/**
 * Queues a run of a schedule at once (admins). The run shows where runs show (the schedules,
 * the dashboard); this says only that it was queued, or why not.
 */
export function RunNowButton({ scheduleId, label }: { scheduleId: string; label: string }) {
  const t = useTranslations("schedules");
  const utils = api.useUtils();
  const run = api.schedule.runNow.useMutation({
    onSettled: () => Promise.all([utils.schedule.invalidate(), utils.dashboard.overview.invalidate()]),
  });
  const error = run.error ? describeError(run.error)?.message || run.error.message : null;
  return (
    <span className="inline-flex flex-col items-end gap-1">
      <RowButton label={label} busy={run.isPending} onClick={() => run.mutate({ id: scheduleId })}>
        {t("runNow")}
      </RowButton>
      {run.isSuccess ? (
        <span role="status" className="text-xs text-muted-foreground">
          {t("runQueued")}
        </span>
      ) : null}
      {error ? (
        <span role="alert" className="max-w-[14rem] text-xs break-words text-destructive">
          {t("runFailed", { message: error })}
        </span>
      ) : null}
    </span>
  );
}
