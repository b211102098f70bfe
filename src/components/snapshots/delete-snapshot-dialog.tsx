"use client";

import { useTranslations } from "next-intl";
import { useRef, useState } from "react";
import { Alert } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { describeError } from "~/components/ui/trpc-error";
import { api } from "~/trpc/react";
import { ActionDialog, ConfirmFooter } from "./action-dialog";
import type { SnapshotView } from "./options";
import { useFormatBytes } from "./use-format";

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
  const [open, setOpen] = useState(false);
  const triggerRef = useRef<HTMLButtonElement>(null);
  const utils = api.useUtils();
  const remove = api.snapshot.delete.useMutation({
    onSuccess: async (result) => {
      onDeleted({ name, fileWasMissing: result.fileWasMissing });
      setOpen(false);
      await utils.snapshot.list.invalidate();
    },
  });
  const error = describeError(remove.error);
  const busy = remove.isPending;

  return (
    <ActionDialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) remove.reset();
      }}
      busy={busy}
      trigger={
        <Button ref={triggerRef} variant="outline" size="sm" className="text-destructive-soft-foreground" aria-label={t("deleteName", { name })}>
          {tc("delete")}
        </Button>
      }
      title={t("title")}
      description={t("description", { name, size: bytes(snapshot.size) })}
      onCloseAutoFocus={(event) => {
        // The deleted snapshot's row (and this button) is gone: focus moves to the list.
        if (!triggerRef.current?.isConnected) {
          event.preventDefault();
          focusAfterDelete();
        }
      }}
    >
      <p className="text-sm text-muted-foreground">{t("downloadFirst")}</p>
      {error ? (
        <Alert variant="destructive" role="alert">
          {error.message || t("failed")}
        </Alert>
      ) : null}
      <ConfirmFooter destructive busy={busy} confirmLabel={busy ? t("deleting") : t("confirm")} onConfirm={() => remove.mutate({ id: snapshot.id })} />
    </ActionDialog>
  );
}

/** What the list says after a delete: a plain note, or that the file was already gone. */
export function DeletedNotice({ deleted, onDismiss }: { deleted: DeletedSnapshot; onDismiss: () => void }) {
  const t = useTranslations("snapshotDelete");
  const tc = useTranslations("common");
  return (
    <Alert variant={deleted.fileWasMissing ? "warning" : "success"} role="status" className="flex flex-wrap items-start justify-between gap-2">
      <span>
        {t("deleted", { name: deleted.name })}
        {deleted.fileWasMissing ? ` ${t("fileWasMissing")}` : null}
      </span>
      <Button variant="ghost" size="sm" className="-my-1 h-7" onClick={onDismiss}>
        {tc("dismiss")}
      </Button>
    </Alert>
  );
}
