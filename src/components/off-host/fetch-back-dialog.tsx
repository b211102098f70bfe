"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { useFormatBytes } from "~/components/format/use-format";
import type { SnapshotView } from "~/components/snapshots/options";
import { OperationProgress, type TrackedOperation } from "~/components/snapshots/snapshot-progress";
import { RowButton } from "~/components/ui/button";
import { Checkbox } from "~/components/ui/checkbox";
import { FormDialog } from "~/components/ui/form-dialog";
import { describeError } from "~/components/ui/trpc-error";
import { useRequestDialog } from "~/components/ui/use-request-dialog";
import { api } from "~/trpc/react";
import type { CopyView } from "./options";

/**
 * Fetches a good copy back to this server (admins): downloaded, checked against its sha256,
 * validated entry by entry, and stored as the snapshot it was, ready to restore. The dialog
 * stays while the download runs, with its progress.
 */
export function FetchBackDialog({
  copy,
  name,
  fetching,
  onFetched,
}: {
  copy: CopyView;
  name: string;
  /** the workload's running fetch, from the progress stream */
  fetching: TrackedOperation | null;
  onFetched: (snapshot: SnapshotView) => void;
}) {
  const t = useTranslations("offHost.fetch");
  const bytes = useFormatBytes();
  const utils = api.useUtils();
  const [keepSpecialBits, setKeepSpecialBits] = useState(false);
  const dialog = useRequestDialog({ onClosed: () => setKeepSpecialBits(false) });
  const fetchCopy = api.snapshot.fetchCopy.useMutation({
    onSuccess: async (snapshot) => {
      onFetched(snapshot);
      await dialog.closeAfter(() =>
        Promise.all([
          utils.snapshot.list.invalidate(),
          utils.snapshot.copies.invalidate({ workloadId: copy.workloadId }),
          utils.workload.get.invalidate({ id: copy.workloadId }),
        ]),
      );
    },
  });
  const error = describeError(fetchCopy.error);
  return (
    <FormDialog
      {...dialog.bind(fetchCopy)}
      trigger={
        <RowButton label={t("openName", { name, target: copy.targetName })} data-testid={`fetch-copy-${copy.id}`}>
          {t("open")}
        </RowButton>
      }
      title={t("title", { name })}
      description={t("description", { target: copy.targetName, size: bytes(copy.size) })}
      error={error ? error.message || t("failed") : undefined}
      confirmLabel={fetchCopy.isPending ? t("fetching") : t("confirm")}
      onSubmit={() => fetchCopy.mutate({ copyId: copy.id, ...(copy.kind === "imported" ? { keepSpecialBits } : {}) })}
    >
      {copy.kind === "imported" ? (
        <Checkbox
          label={t("keepSpecialBits")}
          hint={t("keepSpecialBitsHint")}
          checked={keepSpecialBits}
          disabled={fetchCopy.isPending}
          onChange={(e) => setKeepSpecialBits(e.target.checked)}
        />
      ) : null}
      {fetchCopy.isPending && fetching ? <OperationProgress operation={fetching} /> : null}
    </FormDialog>
  );
}
