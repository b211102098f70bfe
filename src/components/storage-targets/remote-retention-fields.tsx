"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import type { DraftProblems, PolicyDraft } from "~/components/retention/policy-draft";
import { PolicyFields } from "~/components/retention/policy-fields";
import { RadioChoice } from "~/components/ui/radio-choice";
import { RETENTION_MODES, type RetentionMode } from "./target-draft";

/**
 * The target's own retention for the copies it holds: off (every copy stays) or restic's keep-*
 * rules per workload, with the same fields and words as a workload's retention policy.
 */
export function RemoteRetentionFields({
  prefix,
  mode,
  draft,
  problems,
  showProblems,
  timezoneError,
  onModeChange,
  onChange,
}: {
  prefix: string;
  mode: RetentionMode;
  draft: PolicyDraft;
  problems: DraftProblems;
  /** after a save was tried: an unfinished zone is not wrong while it is being typed */
  showProblems: boolean;
  /** the server's refusal of the zone */
  timezoneError?: string;
  onModeChange: (mode: RetentionMode) => void;
  onChange: (patch: Partial<PolicyDraft>) => void;
}) {
  const t = useTranslations("storageTargets");
  const tr = useTranslations("retention");
  const [zoneLeft, setZoneLeft] = useState(false);
  const modeLabel = (m: RetentionMode) => (m === "all" ? t("retention.all") : t("retention.policy"));
  return (
    <div className="flex flex-col gap-3 rounded-md border border-border p-3">
      <RadioChoice
        legend={t("retention.legend")}
        value={mode}
        values={RETENTION_MODES}
        label={modeLabel}
        onValueChange={onModeChange}
        hint={mode === "all" ? t("retention.allHint") : t("retention.policyHint")}
      />
      {mode === "policy" ? (
        <PolicyFields
          prefix={`${prefix}-retention`}
          draft={draft}
          problems={problems}
          zoneError={(showProblems || zoneLeft) && problems.timezone ? tr("problems.timezone") : timezoneError}
          includeManualHint={t("retention.includeManualHint")}
          onChange={onChange}
          onZoneBlur={() => setZoneLeft(true)}
        />
      ) : null}
    </div>
  );
}
