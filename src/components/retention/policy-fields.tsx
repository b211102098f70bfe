"use client";

import { useTranslations } from "next-intl";
import { Checkbox } from "~/components/ui/checkbox";
import { FormField } from "~/components/ui/form-field";
import { Input } from "~/components/ui/input";
import { TimeZoneInput } from "~/components/ui/time-zone-input";
import { cn } from "~/lib/utils";
import { KEEP_MAX, KEEP_RULES } from "~/shared/retention";
import type { DraftProblems, PolicyDraft } from "./policy-draft";

/**
 * The fields of a retention policy (restic's keep-* counts, the time zone they are read in,
 * whether manual and imported snapshots are covered): a workload's policy and a storage
 * target's policy for its copies use the same fields and words.
 */
export function PolicyFields({
  prefix,
  draft,
  problems,
  zoneError,
  includeManualHint,
  wide = false,
  onChange,
  onZoneBlur,
}: {
  /** makes the field ids unique on the page */
  prefix: string;
  draft: PolicyDraft;
  problems: DraftProblems;
  /** the zone's problem, once it should show (a zone being typed is not wrong yet) */
  zoneError?: string;
  includeManualHint: string;
  /** all six counts in one row on large screens */
  wide?: boolean;
  onChange: (patch: Partial<PolicyDraft>) => void;
  onZoneBlur: () => void;
}) {
  const t = useTranslations("retention");
  return (
    <>
      <p className="text-sm text-muted-foreground">{t("fields.rulesHint")}</p>
      <div className={cn("grid grid-cols-2 gap-3 sm:grid-cols-3", wide && "lg:grid-cols-6")}>
        {KEEP_RULES.map((rule) => (
          <FormField
            key={rule}
            id={`${prefix}-${rule}`}
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
                onChange={(e) => onChange({ [rule]: e.target.value })}
              />
            )}
          </FormField>
        ))}
      </div>
      <FormField id={`${prefix}-timezone`} label={t("fields.timezone")} hint={t("fields.timezoneHint")} error={zoneError}>
        {(p) => (
          <TimeZoneInput
            {...p}
            className="max-w-sm"
            value={draft.timezone}
            onChange={(timezone) => onChange({ timezone })}
            onBlur={onZoneBlur}
          />
        )}
      </FormField>
      <Checkbox
        label={t("fields.includeManual")}
        checked={draft.includeManual}
        onChange={(e) => onChange({ includeManual: e.target.checked })}
        hint={includeManualHint}
      />
    </>
  );
}
