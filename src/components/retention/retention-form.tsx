"use client";

import { useTranslations } from "next-intl";
import { useEffect, useRef, useState } from "react";
import { ErrorAlert } from "~/components/ui/action-dialog";
import { Button } from "~/components/ui/button";
import { Checkbox } from "~/components/ui/checkbox";
import { FormField } from "~/components/ui/form-field";
import { Input } from "~/components/ui/input";
import { browserTimeZone, TimeZoneInput } from "~/components/ui/time-zone-input";
import { describeError } from "~/components/ui/trpc-error";
import { KEEP_MAX, KEEP_RULES, type RetentionPolicy } from "~/shared/retention";
import { api } from "~/trpc/react";
import { defaultDraft, draftOf, type PolicyDraft, readDraft } from "./policy-draft";
import { RetentionPreview } from "./retention-preview";

/**
 * Edits a workload's policy in place: the counts, the time zone and whether manual and
 * imported snapshots are covered, with a live preview of what the draft would delete.
 * Saving stores the policy; it deletes nothing by itself.
 */
export function RetentionForm({
  workloadId,
  current,
  onDone,
}: {
  workloadId: string;
  current: RetentionPolicy | null;
  onDone: (saved: boolean) => void;
}) {
  const t = useTranslations("retention");
  const tc = useTranslations("common");
  // Mounted only once Edit is pressed: the browser's zone and zone list never meet server rendering.
  const [draft, setDraft] = useState<PolicyDraft>(() => (current ? draftOf(current) : defaultDraft(browserTimeZone())));
  // The zone's problem waits for the field to be left (or a save): "Europe/Ber" is not wrong yet, only unfinished.
  const [zoneChecked, setZoneChecked] = useState(false);
  const { policy, problems } = readDraft(draft);
  const utils = api.useUtils();
  const save = api.retention.set.useMutation({
    onSuccess: async () => {
      await utils.retention.get.invalidate({ workloadId });
      onDone(true);
    },
  });
  const error = describeError(save.error);
  const title = useRef<HTMLHeadingElement>(null);
  useEffect(() => title.current?.focus(), []);
  const set = (patch: Partial<PolicyDraft>) => setDraft((d) => ({ ...d, ...patch }));

  return (
    <form
      className="flex flex-col gap-4"
      aria-labelledby="retention-form-title"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        setZoneChecked(true);
        if (policy) save.mutate({ workloadId, policy });
      }}
    >
      <h3 id="retention-form-title" ref={title} tabIndex={-1} className="text-sm font-semibold focus:outline-none">
        {current ? t("editTitle") : t("createTitle")}
      </h3>
      <p className="text-sm text-muted-foreground">{t("fields.rulesHint")}</p>
      <div className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
        {KEEP_RULES.map((rule) => (
          <FormField
            key={rule}
            id={`retention-${rule}`}
            label={t(`fields.${rule}`)}
            error={problems[rule] ? t("problems.count", { max: KEEP_MAX }) : undefined}
          >
            {(p) => (
              <Input
                {...p}
                type="number"
                inputMode="numeric"
                min={0}
                max={KEEP_MAX}
                step={1}
                required
                value={draft[rule]}
                onChange={(e) => set({ [rule]: e.target.value })}
              />
            )}
          </FormField>
        ))}
      </div>
      <FormField
        id="retention-timezone"
        label={t("fields.timezone")}
        hint={t("fields.timezoneHint")}
        error={zoneChecked && problems.timezone ? t("problems.timezone") : undefined}
      >
        {(p) => (
          <TimeZoneInput
            {...p}
            className="max-w-sm"
            value={draft.timezone}
            onChange={(timezone) => set({ timezone })}
            onBlur={() => setZoneChecked(true)}
          />
        )}
      </FormField>
      <Checkbox
        label={t("fields.includeManual")}
        checked={draft.includeManual}
        onChange={(e) => set({ includeManual: e.target.checked })}
        hint={t("fields.includeManualHint")}
      />
      <RetentionPreview workloadId={workloadId} policy={policy} />
      <ErrorAlert message={error ? t("saveFailed", { message: error.message || t("saveFailedUnknown") }) : null} />
      <p className="text-xs text-muted-foreground">{t("saveNote")}</p>
      <div className="flex flex-wrap gap-2">
        <Button type="submit" busy={save.isPending} data-testid="retention-save">
          {save.isPending ? t("saving") : t("save")}
        </Button>
        <Button variant="outline" disabled={save.isPending} onClick={() => onDone(false)}>
          {tc("cancel")}
        </Button>
      </div>
    </form>
  );
}
