"use client";

import { skipToken } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { Button } from "~/components/ui/button";
import { ConfirmDialog } from "~/components/ui/form-dialog";
import { describeError } from "~/components/ui/trpc-error";
import { useRequestDialog } from "~/components/ui/use-request-dialog";
import type { RetentionPolicy } from "~/shared/retention";
import { api, type RouterOutputs } from "~/trpc/react";

export type ApplyResult = RouterOutputs["retention"]["prune"];

/**
 * "Apply now" (retention.prune): prunes by the saved policy after a confirmation that says how many snapshots
 * go, counted afresh as the dialog opens (snapshots may have come and gone since the last look).
 */
export function ApplyRetentionDialog({
  workloadId,
  policy,
  onApplied,
}: {
  workloadId: string;
  policy: RetentionPolicy;
  onApplied: (result: ApplyResult) => void;
}) {
  const t = useTranslations("retention");
  const dialog = useRequestDialog();
  const utils = api.useUtils();
  const apply = api.retention.prune.useMutation({
    onSuccess: (result) =>
      dialog.closeAfter(async () => {
        await Promise.all([
          utils.snapshot.list.invalidate(),
          utils.dashboard.overview.invalidate(),
          utils.retention.preview.invalidate({ workloadId }),
        ]);
        onApplied(result);
      }),
  });
  const bound = dialog.bind(apply);
  const preview = api.retention.preview.useQuery(bound.open ? { workloadId, policy } : skipToken, { staleTime: 0 });
  const error = describeError(apply.error);
  const count = preview.isFetching ? null : (preview.data?.remove.length ?? null);

  return (
    <ConfirmDialog
      {...bound}
      trigger={
        <Button variant="outline" data-testid="retention-apply">
          {t("apply")}
        </Button>
      }
      title={t("applyTitle")}
      description={t("applyDescription")}
      error={error ? error.message || t("applyFailed") : null}
      confirmLabel={apply.isPending ? t("applying") : t("applyConfirm")}
      onConfirm={() => apply.mutate({ workloadId })}
    >
      <p role="status" className="text-sm font-medium" data-testid="retention-apply-count">
        {preview.error && !preview.isFetching
          ? t("applyCountFailed", { message: describeError(preview.error)?.message || preview.error.message })
          : count === null
            ? t("applyCounting")
            : count === 0
              ? t("applyNothing")
              : t("applyCount", { count })}
      </p>
    </ConfirmDialog>
  );
}
