"use client";

import { useTranslations } from "next-intl";
import { DateTime } from "~/components/format/date-time";
import { Badge } from "~/components/ui/badge";
import { RowButton } from "~/components/ui/button";
import { ConfirmDialog } from "~/components/ui/form-dialog";
import { TableCell, TableRow } from "~/components/ui/table";
import { describeError } from "~/components/ui/trpc-error";
import { useRequestDialog } from "~/components/ui/use-request-dialog";
import { api } from "~/trpc/react";
import { RunNowButton } from "./run-now-button";
import { ScheduleDialog } from "./schedule-dialog";
import { RunOutcome, type ScheduleView, useCronDescription } from "./schedule-text";

/** One schedule: when it runs, in which zone, its state, next and last run; admins act on it. */
export function ScheduleRow({ schedule, isAdmin, onGone }: { schedule: ScheduleView; isAdmin: boolean; onGone: () => void }) {
  const t = useTranslations("schedules");
  const describe = useCronDescription();
  const name = describe(schedule.cron);
  return (
    <TableRow data-testid={`schedule-row-${schedule.id}`}>
      <TableCell className="font-medium whitespace-nowrap">
        <span className="flex flex-col gap-0.5">
          <span>{name}</span>
          {name === schedule.cron ? null : <code className="font-mono text-xs text-muted-foreground">{schedule.cron}</code>}
        </span>
      </TableCell>
      <TableCell className="font-mono text-xs whitespace-nowrap">{schedule.timezone}</TableCell>
      <TableCell className="text-sm">{schedule.quiesce ? t("quiesce.stop") : t("quiesce.keep")}</TableCell>
      <TableCell>
        {schedule.active ? (
          <Badge variant="default">{t("state.running")}</Badge>
        ) : schedule.enabled ? (
          <Badge variant="success">{t("state.enabled")}</Badge>
        ) : (
          <Badge variant="secondary">{t("state.paused")}</Badge>
        )}
      </TableCell>
      <TableCell className="whitespace-nowrap" data-testid="schedule-next-run">
        {schedule.nextRunAt ? (
          <DateTime value={schedule.nextRunAt} timeZone={schedule.timezone} />
        ) : (
          <span className="text-muted-foreground">{t("state.paused")}</span>
        )}
      </TableCell>
      <TableCell>
        <RunOutcome run={schedule.lastRun} />
      </TableCell>
      {isAdmin ? (
        <TableCell className="text-right">
          <ScheduleActions schedule={schedule} name={name} onGone={onGone} />
        </TableCell>
      ) : null}
    </TableRow>
  );
}

function ScheduleActions({ schedule, name, onGone }: { schedule: ScheduleView; name: string; onGone: () => void }) {
  const t = useTranslations("schedules");
  const utils = api.useUtils();
  const toggle = api.schedule.upsert.useMutation({
    onSettled: () => Promise.all([utils.schedule.invalidate(), utils.dashboard.overview.invalidate()]),
  });
  const toggleError = toggle.error ? describeError(toggle.error)?.message || toggle.error.message : null;
  return (
    <span className="inline-flex flex-col items-end gap-1">
      <span className="inline-flex flex-wrap items-start justify-end gap-2">
        <RunNowButton scheduleId={schedule.id} label={t("runNowSchedule", { name })} />
        <ScheduleDialog
          workloadId={schedule.workloadId}
          schedule={schedule}
          trigger={<RowButton label={t("editName", { name })}>{t("edit")}</RowButton>}
        />
        <RowButton
          label={schedule.enabled ? t("pauseName", { name }) : t("resumeName", { name })}
          busy={toggle.isPending}
          onClick={() =>
            toggle.mutate({
              id: schedule.id,
              workloadId: schedule.workloadId,
              cron: schedule.cron,
              timezone: schedule.timezone,
              quiesce: schedule.quiesce,
              enabled: !schedule.enabled,
            })
          }
        >
          {schedule.enabled ? t("pause") : t("resume")}
        </RowButton>
        <DeleteScheduleDialog schedule={schedule} name={name} onGone={onGone} />
      </span>
      {toggleError ? (
        <span role="alert" className="max-w-[16rem] text-xs break-words text-destructive">
          {t("changeFailed", { message: toggleError })}
        </span>
      ) : null}
    </span>
  );
}

function DeleteScheduleDialog({ schedule, name, onGone }: { schedule: ScheduleView; name: string; onGone: () => void }) {
  const t = useTranslations("schedules");
  const dialog = useRequestDialog();
  const utils = api.useUtils();
  const remove = api.schedule.delete.useMutation({
    onSuccess: () => dialog.closeAfter(() => Promise.all([utils.schedule.invalidate(), utils.dashboard.overview.invalidate()])),
  });
  const error = describeError(remove.error);
  return (
    <ConfirmDialog
      {...dialog.bind(remove)}
      trigger={<RowButton label={t("deleteName", { name })}>{t("delete")}</RowButton>}
      title={t("deleteTitle")}
      description={t("deleteDescription", { name })}
      // The deleted schedule's row, and its button, are gone.
      onTriggerGone={onGone}
      error={error ? error.message || t("deleteFailed") : null}
      confirmLabel={remove.isPending ? t("deleting") : t("deleteConfirm")}
      onConfirm={() => remove.mutate({ id: schedule.id })}
    />
  );
}
