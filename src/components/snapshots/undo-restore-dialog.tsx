"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import type { WorkloadView } from "~/components/workloads/options";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { describeError } from "~/components/ui/trpc-error";
import { api } from "~/trpc/react";
import { ActionDialog, ConfirmFooter } from "./action-dialog";
import { RESTORE_FOREGROUND_STEPS, UNDO_SWAP_STEPS, type RestoreRunView } from "./options";
import { StopSteps } from "./restore-dialog";
import { RestoreOutcome, type RestoreResultWithMethod } from "./restore-outcome";
import { RestoreSteps, useRestoreRequest } from "./restore-progress";

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
  const [result, setResult] = useState<RestoreResultWithMethod | null>(null);
  const { progress, callbacks } = useRestoreRequest(workload.id, open);
  const undo = api.snapshot.undoRestore.useMutation({ ...callbacks, onSuccess: setResult });
  const coverage = api.snapshot.snapshotable.useQuery({ workloadId: workload.id }, { enabled: open });
  const busy = undo.isPending;
  const error = undo.error
    ? undo.error.data?.code === "CONFLICT"
      ? t("undoConflict")
      : describeError(undo.error)?.message || t("failedUnknown")
    : null;

  const changeOpen = (next: boolean) => {
    onOpenChange(next);
    if (!next) {
      setResult(null);
      undo.reset();
      progress.reset();
    }
  };

  return (
    <ActionDialog
      open={open}
      onOpenChange={changeOpen}
      busy={busy}
      className="max-w-xl"
      title={t("undoTitle")}
      description={t("undoSwapDescription", { workload: workload.name, ...subject })}
    >
      {result ? (
        <RestoreOutcome
          workloadId={workload.id}
          result={result}
          headline={result.method === "snapshot" ? t("undoneFromCopy", subject) : t("undoneSwap", subject)}
          progress={progress}
          onClose={() => changeOpen(false)}
        />
      ) : busy ? (
        <>
          <RestoreSteps steps={progress.staged ? RESTORE_FOREGROUND_STEPS : UNDO_SWAP_STEPS} progress={progress} label={t("stepsLabel")} />
          <ConfirmFooter destructive busy confirmLabel={t("undoing")} />
        </>
      ) : (
        <div className="flex flex-col gap-4">
          <Alert variant="warning">
            <ol className="flex list-decimal flex-col gap-2 pl-5">
              <StopSteps containerName={workload.containerName} sharedWith={coverage.data?.sharedWith ?? []} />
              <li>{t("stepSwapBack")}</li>
              <li>{t("stepRedeploy")}</li>
              <li>{t("stepUndoCopyOfUndo")}</li>
            </ol>
          </Alert>
          {error ? (
            <Alert variant="destructive" role="alert">
              <AlertTitle>{t("undoFailedTitle")}</AlertTitle>
              <AlertDescription className="break-words">{error}</AlertDescription>
            </Alert>
          ) : null}
          <ConfirmFooter
            destructive
            confirmLabel={t("undoConfirm")}
            onConfirm={() => undo.mutate({ workloadId: workload.id, restoreRunId: run.id, confirm: run.id })}
          />
        </div>
      )}
    </ActionDialog>
  );
}
