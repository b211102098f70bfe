"use client";

import { useFormatter, useTranslations } from "next-intl";
import type { RetentionPolicy } from "~/shared/retention";
import { activeRules } from "./policy-draft";

/** A policy in words: what it keeps, in which time zone, and which snapshots it covers. */
export function PolicySummary({ policy }: { policy: RetentionPolicy }) {
  const t = useTranslations("retention");
  const format = useFormatter();
  const rules = activeRules(policy);
  return (
    <div className="flex flex-col gap-1 text-sm" data-testid="retention-summary">
      <p className="font-medium">
        {rules.length === 0
          ? t("keepsEverything")
          : t("keeps", { rules: format.list(rules.map(({ rule, count }) => t(`rules.${rule}`, { count }))) })}
      </p>
      <p>
        {t("timezone", { timezone: policy.timezone })} {policy.includeManual ? t("scopeAll") : t("scopeScheduled")}
      </p>
    </div>
  );
}
