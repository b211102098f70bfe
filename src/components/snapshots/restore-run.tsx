"use client";

import { useTranslations } from "next-intl";
import type * as React from "react";
import { useState } from "react";
import { ActionDialog, ConfirmFooter } from "~/components/ui/action-dialog";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { describeError } from "~/components/ui/trpc-error";
import { api } from "~/trpc/react";
import { type RestoreDialogEnding, type RestoreStep, restoreDialogEnding } from "./options";
import { RestoreOutcome, type RestoreResultWithMethod } from "./restore-outcome";
import { type RestoreProgress, RestoreSteps, useRestoreRequest } from "./restore-progress";

type RequestCallbacks = ReturnType<typeof useRestoreRequest>["callbacks"];
type RunError = NonNullable<Parameters<typeof describeError>[0]> & { data?: { code?: string } | null };

/** The request a restore dialog sends: restore a snapshot, or undo a restore. */
interface RunMutation {
  isPending: boolean;
  error: RunError | null;
  reset: () => void;
}

/**
 * The state a restore and an undo dialog share: the request (its progress, its error in
 * words, the result), the workloads stopped with this one, and the way out that forgets the
 * last attempt (×, Esc, Cancel, Done) so the next opening starts fresh.
 */
export function useRestoreRun<M extends RunMutation>({
  workloadId,
  open,
  onOpenChange,
  conflictMessage,
  onClosed,
  request,
}: {
  workloadId: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** what a CONFLICT (another operation on the workload) means here */
  conflictMessage: string;
  onClosed?: () => void;
  /** the procedure it sends: `api.snapshot.restore` or `api.snapshot.undoRestore` */
  request: { useMutation: (callbacks: RequestCallbacks & { onSuccess: (result: RestoreResultWithMethod) => void }) => M };
}) {
  const t = useTranslations("restoreDialog");
  const [result, setResult] = useState<RestoreResultWithMethod | null>(null);
  const { progress, callbacks } = useRestoreRequest(workloadId, open);
  const mutation = request.useMutation({ ...callbacks, onSuccess: setResult });
  const coverage = api.snapshot.snapshotable.useQuery({ workloadId }, { enabled: open });
  const error = mutation.error
    ? mutation.error.data?.code === "CONFLICT"
      ? conflictMessage
      : describeError(mutation.error)?.message || t("failedUnknown")
    : null;
  const changeOpen = (next: boolean) => {
    onOpenChange(next);
    if (!next) {
      onClosed?.();
      setResult(null);
      mutation.reset();
      progress.reset();
    }
  };
  return {
    workloadId,
    open,
    changeOpen,
    mutation,
    busy: mutation.isPending,
    error,
    result,
    ending: restoreDialogEnding(result, mutation.error),
    progress,
    sharedWith: coverage.data?.sharedWith ?? [],
  };
}

/** What RestoreRunDialog reads of useRestoreRun's state. */
interface RestoreRunState {
  workloadId: string;
  open: boolean;
  changeOpen: (open: boolean) => void;
  busy: boolean;
  result: RestoreResultWithMethod | null;
  /** how the last attempt ended (the title says so), null while the question is open */
  ending: RestoreDialogEnding | null;
  progress: RestoreProgress;
}

/**
 * The dialog around a restore run: the question (`children`) until it is sent, the steps
 * while it runs, then the outcome. It cannot be closed while the request runs.
 */
export function RestoreRunDialog({
  run,
  title,
  endTitle,
  description,
  headline,
  steps,
  busyLabel,
  children,
}: {
  run: RestoreRunState;
  title: string;
  /** the title once the run has ended: finished, failed, or failed with the data put back */
  endTitle: (ending: RestoreDialogEnding) => string;
  description: string;
  headline: (result: RestoreResultWithMethod) => string;
  steps: readonly RestoreStep[];
  busyLabel: string;
  children: React.ReactNode;
}) {
  const t = useTranslations("restoreDialog");
  return (
    <ActionDialog
      open={run.open}
      onOpenChange={run.changeOpen}
      busy={run.busy}
      className="max-w-xl"
      title={run.ending && !run.busy ? endTitle(run.ending) : title}
      description={description}
    >
      {run.result ? (
        <RestoreOutcome
          workloadId={run.workloadId}
          result={run.result}
          headline={headline(run.result)}
          progress={run.progress}
          onClose={() => run.changeOpen(false)}
        />
      ) : run.busy ? (
        <>
          <RestoreSteps steps={steps} progress={run.progress} label={t("stepsLabel")} />
          <ConfirmFooter destructive busy confirmLabel={busyLabel} />
        </>
      ) : (
        children
      )}
    </ActionDialog>
  );
}

type RestoreDialogT = ReturnType<typeof useTranslations<"restoreDialog">>;

/** A restore dialog's title once its run has ended. */
export function restoreEndTitle(t: RestoreDialogT, ending: RestoreDialogEnding): string {
  if (ending === "finished") return t("endTitles.finished");
  return ending === "rolledBack" ? t("endTitles.rolledBack") : t("endTitles.failed");
}

/** An undo dialog's title once its run has ended. */
export function undoEndTitle(t: RestoreDialogT, ending: RestoreDialogEnding): string {
  if (ending === "finished") return t("undoEndTitles.finished");
  return ending === "rolledBack" ? t("undoEndTitles.rolledBack") : t("undoEndTitles.failed");
}

/** A failed run, above the dialog's buttons: `title` says what failed (the restore, the undo). */
export function RunFailure({ title, message }: { title: string; message: string | null }) {
  return message ? (
    <Alert variant="destructive" role="alert">
      <AlertTitle>{title}</AlertTitle>
      <AlertDescription className="break-words">{message}</AlertDescription>
    </Alert>
  ) : null;
}
