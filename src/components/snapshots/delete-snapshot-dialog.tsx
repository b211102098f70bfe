"use client";

import { useTranslations } from "next-intl";
import { useFormatBytes } from "~/components/format/use-format";
import { DismissibleAlert } from "~/components/ui/dismissible-alert";
import { RowButton } from "~/components/ui/button";
import { ConfirmDialog } from "~/components/ui/form-dialog";
import { describeError } from "~/components/ui/trpc-error";
import { useRequestDialog } from "~/components/ui/use-request-dialog";
import { api } from "~/trpc/react";
import type { SnapshotView } from "./options";

export interface DeletedSnapshot {
  name: string;
  fileWasMissing: boolean;
}

/** Deleting removes the archive file and its record; it asks first, and cannot be undone. */
export function DeleteSnapshotDialog({
  snapshot,
  name,
  onDeleted,
  focusAfterDelete,
}: {
  snapshot: SnapshotView;
  name: string;
  onDeleted: (deleted: DeletedSnapshot) => void;
  focusAfterDelete: () => void;
}) {
  const t = useTranslations("snapshotDelete");
  const tc = useTranslations("common");
  const bytes = useFormatBytes();
  const dialog = useRequestDialog();
  const utils = api.useUtils();
  const remove = api.snapshot.delete.useMutation({
    onSuccess: async (result) => {
      onDeleted({ name, fileWasMissing: result.fileWasMissing });
      dialog.setOpen(false);
      await utils.snapshot.list.invalidate();
    },
  });
  const error = describeError(remove.error);

  return (
    <ConfirmDialog
      {...dialog.bind(remove)}
      trigger={
        <RowButton label={t("deleteName", { name })} className="text-destructive-soft-foreground">
          {tc("delete")}
        </RowButton>
      }
      title={t("title")}
      description={t("description", { name, size: bytes(snapshot.size) })}
      // The deleted snapshot's row (and this button) is gone: focus moves to the list.
      onTriggerGone={focusAfterDelete}
      error={error ? error.message || t("failed") : null}
      confirmLabel={remove.isPending ? t("deleting") : t("confirm")}
      onConfirm={() => remove.mutate({ id: snapshot.id })}
    >
      <p className="text-sm text-muted-foreground">{t("downloadFirst")}</p>
    </ConfirmDialog>
  );
}

/** What the list says after a delete: a plain note, or that the file was already gone. */
export function DeletedNotice({ deleted, onDismiss }: { deleted: DeletedSnapshot; onDismiss: () => void }) {
  const t = useTranslations("snapshotDelete");
  return (
    <DismissibleAlert variant={deleted.fileWasMissing ? "warning" : "success"} role="status" onDismiss={onDismiss}>
      {t("deleted", { name: deleted.name })}
      {deleted.fileWasMissing ? ` ${t("fileWasMissing")}` : null}
    </DismissibleAlert>
  );
}
