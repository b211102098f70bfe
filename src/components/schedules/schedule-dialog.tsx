"use client";

import { useFormatter, useTranslations } from "next-intl";
import type * as React from "react";
import { useState } from "react";
import { Checkbox } from "~/components/ui/checkbox";
import { FormDialog } from "~/components/ui/form-dialog";
import { FormField } from "~/components/ui/form-field";
import { Input } from "~/components/ui/input";
import { browserTimeZone, TimeZoneInput } from "~/components/ui/time-zone-input";
import { ChoiceSelect } from "~/components/ui/select";
import { describeError, reasonText, type Translator } from "~/components/ui/trpc-error";
import { useRequestDialog } from "~/components/ui/use-request-dialog";
import { DEFAULT_RETENTION } from "~/shared/retention";
import {
  CRON_MAX_LENGTH,
  cronProblem,
  isTimeZone,
  nextDueTimes,
  presetCron,
  presetOf,
  SCHEDULE_PRESETS,
  type SchedulePreset,
} from "~/shared/schedules";
import { api } from "~/trpc/react";
import type { ScheduleView } from "./schedule-text";

const PREVIEW_RUNS = 3;
const WEEKDAYS = [1, 2, 3, 4, 5, 6, 0] as const;

interface Draft {
  preset: SchedulePreset;
  minute: string;
  hour: string;
  weekday: number;
  cron: string;
  timezone: string;
  quiesce: boolean;
  enabled: boolean;
}

function draftOf(schedule: ScheduleView | undefined): Draft {
  if (!schedule)
    return {
      preset: "daily",
      minute: "0",
      hour: "3",
      weekday: 1,
      cron: "0 3 * * *",
      timezone: browserTimeZone(),
      quiesce: false,
      enabled: true,
    };
  const { preset, at } = presetOf(schedule.cron);
  return {
    preset,
    minute: String(at.minute),
    hour: String(at.hour),
    weekday: at.weekday,
    cron: schedule.cron,
    timezone: schedule.timezone,
    quiesce: schedule.quiesce,
    enabled: schedule.enabled,
  };
}

/** The expression a draft stands for: the preset's, from its fields, or the one typed. */
function draftCron(d: Draft): string {
  if (d.preset === "custom") return d.cron;
  return presetCron(d.preset, { minute: Number(d.minute), hour: Number(d.hour), weekday: d.weekday });
}

/**
 * Adds a schedule (no `schedule`) or edits one: a preset with its time, or a cron expression,
 * in a time zone, with the next runs shown live in that zone (croner, as the server computes
 * them) or why the expression is refused.
 */
export function ScheduleDialog({
  workloadId,
  schedule,
  trigger,
}: {
  workloadId: string;
  schedule?: ScheduleView;
  trigger: React.ReactElement;
}) {
  const t = useTranslations("schedules.dialog");
  const [draft, setDraft] = useState<Draft>(() => draftOf(schedule));
  const dialog = useRequestDialog({ onOpened: () => setDraft(draftOf(schedule)) });
  const utils = api.useUtils();
  const upsert = api.schedule.upsert.useMutation({
    // A workload's first schedule brings the default retention policy: its panel shows it.
    onSuccess: () =>
      dialog.closeAfter(() =>
        Promise.all([utils.schedule.invalidate(), utils.dashboard.overview.invalidate(), utils.retention.get.invalidate({ workloadId })]),
      ),
  });
  const error = describeError(upsert.error);
  const cron = draftCron(draft);
  const valid = cronProblem(cron) === null && isTimeZone(draft.timezone);
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const presetLabels: Record<SchedulePreset, string> = {
    hourly: t("presets.hourly"),
    daily: t("presets.daily"),
    weekly: t("presets.weekly"),
    custom: t("presets.custom"),
  };

  return (
    <FormDialog
      {...dialog.bind(upsert)}
      trigger={trigger}
      title={schedule ? t("editTitle") : t("addTitle")}
      description={t("description")}
      className="sm:max-w-xl"
      error={error ? error.message || t("saveFailed") : undefined}
      confirmLabel={upsert.isPending ? t("saving") : schedule ? t("confirmSave") : t("confirmAdd")}
      disabled={!valid}
      onSubmit={() => {
        if (!valid) return;
        upsert.mutate({
          id: schedule?.id,
          workloadId,
          cron,
          timezone: draft.timezone,
          quiesce: draft.quiesce,
          enabled: draft.enabled,
        });
      }}
    >
      <FormField id="schedule-preset" label={t("preset")}>
        {(p) => (
          <ChoiceSelect
            {...p}
            className="w-full"
            value={draft.preset}
            values={SCHEDULE_PRESETS}
            label={(v) => presetLabels[v]}
            // Custom starts from what the preset wrote, so a small change is a small edit.
            onValueChange={(preset) => set(preset === "custom" ? { preset, cron } : { preset })}
          />
        )}
      </FormField>
      <TimeFields draft={draft} set={set} />
      <FormField id="schedule-timezone" label={t("timezone")} hint={t("timezoneHint")}>
        {(p) => <TimeZoneInput {...p} value={draft.timezone} onChange={(timezone) => set({ timezone })} />}
      </FormField>
      <Preview cron={cron} timezone={draft.timezone} />
      <Checkbox label={t("quiesce")} checked={draft.quiesce} onChange={(e) => set({ quiesce: e.target.checked })} hint={t("quiesceHint")} />
      <Checkbox label={t("enabled")} checked={draft.enabled} onChange={(e) => set({ enabled: e.target.checked })} hint={t("enabledHint")} />
      {schedule ? null : <RetentionNote workloadId={workloadId} />}
    </FormDialog>
  );
}

/** The fields the preset needs: a minute; an hour; a day of the week; or the whole expression. */
function TimeFields({ draft, set }: { draft: Draft; set: (patch: Partial<Draft>) => void }) {
  const t = useTranslations("schedules.dialog");
  const weekdays = [
    t("weekdays.sun"),
    t("weekdays.mon"),
    t("weekdays.tue"),
    t("weekdays.wed"),
    t("weekdays.thu"),
    t("weekdays.fri"),
    t("weekdays.sat"),
  ];
  if (draft.preset === "custom") {
    return (
      <FormField id="schedule-cron" label={t("cron")} hint={t("cronHint")}>
        {(p) => (
          <Input
            {...p}
            required
            autoComplete="off"
            spellCheck={false}
            className="font-mono"
            maxLength={CRON_MAX_LENGTH}
            value={draft.cron}
            onChange={(e) => set({ cron: e.target.value })}
            aria-describedby={[p["aria-describedby"], "schedule-preview"].filter(Boolean).join(" ")}
          />
        )}
      </FormField>
    );
  }
  return (
    <div className="grid grid-cols-2 gap-3 sm:grid-cols-3">
      {draft.preset === "weekly" ? (
        <FormField id="schedule-weekday" label={t("weekday")}>
          {(p) => (
            <ChoiceSelect
              {...p}
              className="w-full"
              value={String(draft.weekday)}
              values={WEEKDAYS.map(String)}
              label={(v) => weekdays[Number(v)] ?? v}
              onValueChange={(v) => set({ weekday: Number(v) })}
            />
          )}
        </FormField>
      ) : null}
      {draft.preset === "hourly" ? null : (
        <NumberField id="schedule-hour" label={t("hour")} max={23} value={draft.hour} onChange={(hour) => set({ hour })} />
      )}
      <NumberField id="schedule-minute" label={t("minute")} max={59} value={draft.minute} onChange={(minute) => set({ minute })} />
    </div>
  );
}

/** The next runs in the schedule's zone, or why there are none: what the server would say. */
function Preview({ cron, timezone }: { cron: string; timezone: string }) {
  const t = useTranslations("schedules.dialog");
  const root = useTranslations() as unknown as Translator;
  const format = useFormatter();
  const problem = cronProblem(cron);
  const zoneOk = isTimeZone(timezone);
  const times = !problem && zoneOk ? nextDueTimes(cron, timezone, new Date(), PREVIEW_RUNS) : [];
  return (
    <div id="schedule-preview" role="status" aria-live="polite" className="rounded-md border border-border bg-muted/40 px-3 py-2 text-sm">
      {problem ? (
        <p className="text-destructive">{reasonText(root, "schedule-cron-invalid", { problem }, problem)}</p>
      ) : !zoneOk ? (
        <p className="text-destructive">{reasonText(root, "schedule-timezone-invalid", { timezone }, timezone)}</p>
      ) : times.length === 0 ? (
        <p>{t("previewNone")}</p>
      ) : (
        <>
          <p className="font-medium">{t("preview", { zone: timezone })}</p>
          <ul className="mt-1 flex flex-col gap-0.5" data-testid="schedule-preview-times">
            {times.map((time) => (
              <li key={time.toISOString()}>
                <time dateTime={time.toISOString()}>
                  {format.dateTime(time, { dateStyle: "full", timeStyle: "short", timeZone: timezone })}
                </time>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

/** A new schedule brings the default retention when the workload has no policy yet (the server's rule). */
function RetentionNote({ workloadId }: { workloadId: string }) {
  const t = useTranslations("schedules.dialog");
  const policy = api.retention.get.useQuery({ workloadId });
  if (policy.isPending) return null;
  return (
    <p className="text-xs text-muted-foreground">
      {policy.data
        ? t("retentionExisting")
        : t("retentionDefault", {
            last: DEFAULT_RETENTION.keepLast,
            weekly: DEFAULT_RETENTION.keepWeekly,
            monthly: DEFAULT_RETENTION.keepMonthly,
          })}
    </p>
  );
}

function NumberField({
  id,
  label,
  max,
  value,
  onChange,
}: {
  id: string;
  label: string;
  max: number;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <FormField id={id} label={label}>
      {(p) => <Input {...p} type="number" required min={0} max={max} step={1} value={value} onChange={(e) => onChange(e.target.value)} />}
    </FormField>
  );
}
