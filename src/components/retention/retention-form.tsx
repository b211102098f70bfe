"use client";

import { useTranslations } from "next-intl";
import { useEffect, useRef, useState } from "react";
import { ErrorAlert } from "~/components/ui/action-dialog";
import { Button } from "~/components/ui/button";
import { browserTimeZone } from "~/components/ui/time-zone-input";
import { describeError } from "~/components/ui/trpc-error";
import type { RetentionPolicy } from "~/shared/retention";
import { api } from "~/trpc/react";
import { defaultDraft, draftOf, type PolicyDraft, readDraft } from "./policy-draft";
import { PolicyFields } from "./policy-fields";
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
      <PolicyFields
        prefix="retention"
        wide
        draft={draft}
        problems={problems}
        zoneError={zoneChecked && problems.timezone ? t("problems.timezone") : undefined}
        includeManualHint={t("fields.includeManualHint")}
        onChange={set}
        onZoneBlur={() => setZoneChecked(true)}
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
