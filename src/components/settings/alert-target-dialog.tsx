"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { Button, RowButton } from "~/components/ui/button";
import { Checkbox } from "~/components/ui/checkbox";
import { FormDialog } from "~/components/ui/form-dialog";
import { FormField } from "~/components/ui/form-field";
import { Input } from "~/components/ui/input";
import { FieldError } from "~/components/ui/label";
import { ChoiceSelect } from "~/components/ui/select";
import { describeError, firstFieldError } from "~/components/ui/trpc-error";
import { useRequestDialog } from "~/components/ui/use-request-dialog";
import { ALERT_EVENTS, ALERT_FORMATS, type AlertEvent, type AlertFormat, DEFAULT_ALERT_EVENTS } from "~/shared/alerts";
import { api, type RouterOutputs } from "~/trpc/react";

export type AlertTargetView = RouterOutputs["alertTarget"]["list"][number];

// The checkboxes in two groups: what went wrong (on by default), and the opt-in success notices.
const FAILURE_EVENTS = ALERT_EVENTS.filter((e) => DEFAULT_ALERT_EVENTS.includes(e));
const NOTICE_EVENTS = ALERT_EVENTS.filter((e) => !DEFAULT_ALERT_EVENTS.includes(e));

interface Draft {
  name: string;
  format: AlertFormat;
  url: string;
  events: AlertEvent[];
  enabled: boolean;
}

const NEW_TARGET: Draft = { name: "", format: "json", url: "", events: DEFAULT_ALERT_EVENTS, enabled: true };
// The stored URL is never sent to the browser: an edit starts with the field empty.
const draftOf = (target: AlertTargetView | undefined): Draft =>
  target ? { name: target.name, format: target.format, url: "", events: target.events, enabled: target.enabled } : NEW_TARGET;

/**
 * Adds a webhook target, or edits one (`target`). On edit the URL field starts empty and an
 * empty field keeps the stored URL: the secret never travels back to the browser.
 */
export function AlertTargetDialog({ target }: { target?: AlertTargetView }) {
  const t = useTranslations("alerts");
  const [draft, setDraft] = useState<Draft>(() => draftOf(target));
  const [noEvents, setNoEvents] = useState(false);
  const dialog = useRequestDialog({
    onOpened: () => {
      setDraft(draftOf(target));
      setNoEvents(false);
    },
  });
  const utils = api.useUtils();
  const onSuccess = () => dialog.closeAfter(() => utils.alertTarget.list.invalidate());
  const create = api.alertTarget.create.useMutation({ onSuccess });
  const update = api.alertTarget.update.useMutation({ onSuccess });
  const request = target ? update : create;
  const error = describeError(request.error);
  const prefix = `alert-target-${target?.id ?? "new"}`;
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const toggle = (event: AlertEvent, on: boolean) => {
    setNoEvents(false);
    setDraft((d) => ({ ...d, events: ALERT_EVENTS.filter((e) => (e === event ? on : d.events.includes(e))) }));
  };

  function submit() {
    if (draft.events.length === 0) {
      setNoEvents(true);
      return;
    }
    const fields = { name: draft.name, format: draft.format, events: draft.events, enabled: draft.enabled };
    const url = draft.url.trim();
    if (target) update.mutate({ id: target.id, ...fields, ...(url ? { url } : {}) });
    else create.mutate({ ...fields, url });
  }

  const eventGroup = (legend: string, events: readonly AlertEvent[]) => (
    <fieldset className="flex flex-col gap-2">
      <legend className="mb-1 text-sm font-medium">{legend}</legend>
      {events.map((event) => (
        <Checkbox
          key={event}
          label={t(`events.${event}`)}
          checked={draft.events.includes(event)}
          onChange={(e) => toggle(event, e.target.checked)}
        />
      ))}
    </fieldset>
  );

  return (
    <FormDialog
      {...dialog.bind(request)}
      trigger={
        target ? (
          <RowButton label={t("editName", { name: target.name })}>{t("edit")}</RowButton>
        ) : (
          <Button data-testid="add-alert-target">{t("add")}</Button>
        )
      }
      title={target ? t("editTitle") : t("addTitle")}
      description={t("dialogDescription")}
      error={error?.message}
      confirmLabel={request.isPending ? t("saving") : target ? t("saveConfirm") : t("addConfirm")}
      onSubmit={submit}
    >
      <FormField id={`${prefix}-name`} label={t("fields.name")} hint={t("fields.nameHint")} error={firstFieldError(error, "name")}>
        {(p) => (
          <Input {...p} autoComplete="off" required maxLength={80} value={draft.name} onChange={(e) => set({ name: e.target.value })} />
        )}
      </FormField>
      <FormField
        id={`${prefix}-format`}
        label={t("fields.format")}
        hint={t(`formatHints.${draft.format}`)}
        error={firstFieldError(error, "format")}
      >
        {(p) => (
          <ChoiceSelect
            {...p}
            value={draft.format}
            values={ALERT_FORMATS}
            label={(format) => t(`formats.${format}`)}
            onValueChange={(format) => set({ format })}
            className="w-full"
          />
        )}
      </FormField>
      <FormField
        id={`${prefix}-url`}
        label={t("fields.url")}
        hint={target ? t("fields.urlKeep", { preview: target.urlPreview }) : t("fields.urlHint")}
        error={firstFieldError(error, "url")}
      >
        {(p) => (
          <Input
            {...p}
            type="url"
            autoComplete="off"
            spellCheck={false}
            required={!target}
            maxLength={2000}
            placeholder="https://"
            value={draft.url}
            onChange={(e) => set({ url: e.target.value })}
          />
        )}
      </FormField>
      <div className="flex flex-col gap-3">
        <div className="grid gap-4 sm:grid-cols-2">
          {eventGroup(t("eventGroups.failures"), FAILURE_EVENTS)}
          {eventGroup(t("eventGroups.notices"), NOTICE_EVENTS)}
        </div>
        <div aria-live="polite">
          <FieldError>{noEvents ? t("fields.eventsNone") : firstFieldError(error, "events")}</FieldError>
        </div>
      </div>
      <Checkbox label={t("fields.enabled")} checked={draft.enabled} onChange={(e) => set({ enabled: e.target.checked })} />
    </FormDialog>
  );
}
