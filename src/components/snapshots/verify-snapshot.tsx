"use client";

import { useTranslations } from "next-intl";
import { isFailingCopy } from "~/components/off-host/options";
import { DismissibleAlert } from "~/components/ui/dismissible-alert";
import { reasonText, type Translator } from "~/components/ui/trpc-error";
import { api, type RouterOutputs } from "~/trpc/react";
import type { SnapshotView } from "./options";

export type VerifyResult = RouterOutputs["snapshot"]["verify"];
export interface Verified {
  name: string;
  result: VerifyResult;
}

/**
 * Verifies a snapshot now (admins): its file is read whole, its sha256 compared and every
 * entry checked, and every copy on a target re-read. A failed check is a result, shown by the
 * table's notice; a refused request is the mutation's error.
 */
export function useVerifySnapshot(snapshot: SnapshotView, name: string, onVerified: (v: Verified) => void) {
  const utils = api.useUtils();
  return api.snapshot.verify.useMutation({
    onSuccess: (result) => onVerified({ name, result }),
    onSettled: () =>
      Promise.all([
        utils.snapshot.list.invalidate(),
        utils.snapshot.copies.invalidate({ workloadId: snapshot.workloadId }),
        utils.dashboard.overview.invalidate(),
      ]),
  });
}

/** What a verification found: the file, how many copies are verified, and each failing copy with why. */
export function VerifiedNotice({ verified, onDismiss }: { verified: Verified; onDismiss: () => void }) {
  const t = useTranslations("snapshots.verify");
  const root = useTranslations() as unknown as Translator;
  const { result, name } = verified;
  const copies = result.copies;
  const good = copies.filter((c) => c.state === "verified").length;
  const bad = copies.filter(isFailingCopy);
  const passed = result.outcome === "passed" && bad.length === 0;
  return (
    <DismissibleAlert
      variant={passed ? "success" : "destructive"}
      role={passed ? "status" : "alert"}
      onDismiss={onDismiss}
      data-testid="verify-notice"
      data-outcome={result.outcome}
    >
      {result.outcome === "passed"
        ? t("passed", { name })
        : t("failed", { name, reason: reasonText(root, result.reason, result.params, t("failedUnknown")) })}
      {copies.length > 0 ? ` ${t("copies", { verified: good, total: copies.length })}` : null}
      {bad.map((c) => (
        <span key={c.id} className="block text-xs">
          {t("copyProblem", {
            target: c.targetName,
            reason: reasonText(root, c.reason, c.params, t("failedUnknown")),
          })}
        </span>
      ))}
    </DismissibleAlert>
  );
}
