"use client";

import { useTranslations } from "next-intl";
import { ConfirmFooter } from "~/components/ui/action-dialog";
import { Alert } from "~/components/ui/alert";
import type { WorkloadView } from "~/components/workloads/options";
import { api } from "~/trpc/react";
import { RESTORE_FOREGROUND_STEPS, type RestoreRunView, UNDO_SWAP_STEPS } from "./options";
import { StopSteps } from "./restore-dialog";
import { RestoreRunDialog, RunFailure, undoEndTitle, useRestoreRun } from "./restore-run";

/** What a run's Undo undoes: the restore of snapshot `name`, or the undo of that restore. */
export type UndoSubject = { kind: "restore" | "undo"; name: string };

/**
 * Undo of a restore whose previous data is still on disk (its undo copy is being saved):
 * the server swaps that data back in seconds, whatever its size. Nothing to type: the data
 * going back is exactly what the workload had a moment ago, and it stays undoable itself.
 * Should the copy be saved by the time the admin confirms, the server restores it instead;
 * the steps then include the unpacking. Opened by its owner, like RestoreDialog.
 */
export function UndoRestoreDialog({
  workload,
  run,
  subject,
  open,
  onOpenChange,
}: {
  workload: WorkloadView;
  run: Pick<RestoreRunView, "id">;
  subject: UndoSubject;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const t = useTranslations("restoreDialog");
  const undo = useRestoreRun({
    workloadId: workload.id,
    open,
    onOpenChange,
    conflictMessage: t("undoConflict"),
    request: api.snapshot.undoRestore,
  });

  return (
    <RestoreRunDialog
      run={undo}
      title={t("undoTitle")}
      endTitle={(ending) => undoEndTitle(t, ending)}
      description={t("undoSwapDescription", { workload: workload.name, ...subject })}
      headline={(result) => (result.method === "snapshot" ? t("undoneFromCopy", subject) : t("undoneSwap", subject))}
      steps={undo.progress.staged ? RESTORE_FOREGROUND_STEPS : UNDO_SWAP_STEPS}
      busyLabel={t("undoing")}
    >
      <div className="flex flex-col gap-4">
        <Alert variant="warning">
          <ol className="flex list-decimal flex-col gap-2 pl-5">
            <StopSteps containerName={workload.containerName} sharedWith={undo.sharedWith} />
            <li>{t("stepSwapBack")}</li>
            <li>{t("stepRedeploy")}</li>
            <li>{t("stepUndoCopyOfUndo")}</li>
          </ol>
        </Alert>
        <RunFailure title={t("undoFailedTitle")} message={undo.error} />
        <ConfirmFooter
          destructive
          confirmLabel={t("undoConfirm")}
          onConfirm={() => undo.mutation.mutate({ workloadId: workload.id, restoreRunId: run.id, confirm: run.id })}
        />
      </div>
    </RestoreRunDialog>
  );
}
