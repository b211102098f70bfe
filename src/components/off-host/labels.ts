"use client";

import { useTranslations } from "next-intl";
import type { CopyState, StorageKind, TestRestoreOutcome } from "~/shared/storage";

// Each code spelled out once, so the catalog test sees every key the screens ask for.

export function useCopyStateLabels(): Record<CopyState, string> {
  const t = useTranslations("offHost.copies.states");
  return {
    queued: t("queued"),
    copying: t("copying"),
    verified: t("verified"),
    failed: t("failed"),
    corrupt: t("corrupt"),
    missing: t("missing"),
  };
}

export function useStorageKindLabels(): Record<StorageKind, string> {
  const t = useTranslations("offHost.copies.kinds");
  return { sftp: t("sftp"), local: t("local") };
}

export function useTestRestoreOutcomeLabels(): Record<TestRestoreOutcome | "running", string> {
  const t = useTranslations("offHost.testRestores.outcomes");
  return { passed: t("passed"), failed: t("failed"), interrupted: t("interrupted"), running: t("running") };
}
