"use client";

import { useTranslations } from "next-intl";
import { cn } from "~/lib/utils";
import { api } from "~/trpc/react";
import { useArmedEvents } from "./armed-progress";
import {
  advanceRestoreStep,
  estimateSecondsLeft,
  measuresBytes,
  progressFraction,
  restoreStepOf,
  restoreStepStates,
  type OperationEvent,
  type RestoreStep,
} from "./options";
import { markOwnRestore, ProgressBar, trackEvent, useProgressText, type TrackedOperation } from "./snapshot-progress";

export interface RestoreProgress {
  /** the restore (or undo) this dialog started, as last reported */
  operation: TrackedOperation | null;
  /** the furthest step reached, an index in RESTORE_STEPS; -1 before the first report */
  reached: number;
  /** whether it unpacked a snapshot (an undo from a saved copy does, a swap back does not) */
  staged: boolean;
}

const NONE: RestoreProgress = { operation: null, reached: -1, staged: false };

/**
 * The progress of the one restore a dialog starts, from the request until its background
 * undo copy is saved. It listens while the dialog is open, so the stream is connected before
 * the request is sent; everything seen before `arm()` (work of other tabs, the background of
 * an earlier restore, outcomes the server replays) is ignored. After arming, the first
 * restore that starts is this one (a second one would have been refused).
 */
export function useRestoreProgress(workloadId: string, listening: boolean) {
  const { state, arm, reset } = useArmedEvents(workloadId, "restore", listening, NONE, foldRestore);
  return { ...state, arm, reset };
}

const foldRestore = (previous: RestoreProgress, event: OperationEvent): RestoreProgress => ({
  operation: trackEvent(previous.operation, event, true),
  reached: advanceRestoreStep(previous.reached, event.phase),
  staged: previous.staged || event.phase === "staging",
});

/**
 * What every restore request (restore, undo) does around the call: the progress is armed
 * before it is sent, the tab's panel is told the restore is its own, and afterwards every
 * list it may have changed is refreshed (a failed restore still records its run).
 */
export function useRestoreRequest(workloadId: string, open: boolean) {
  const utils = api.useUtils();
  const progress = useRestoreProgress(workloadId, open);
  const callbacks = {
    onMutate: () => {
      markOwnRestore(workloadId, true);
      progress.arm();
    },
    onSettled: async () => {
      markOwnRestore(workloadId, false);
      await Promise.all([
        utils.snapshot.list.invalidate(),
        utils.snapshot.restoreRuns.invalidate({ workloadId }),
        utils.snapshot.snapshotable.invalidate({ workloadId }),
        utils.workload.get.invalidate({ id: workloadId }),
      ]);
    },
  };
  return { progress, callbacks };
}

/**
 * Steps of a restore, each marked done, running or still to come, and a bar for the running
 * one: bytes checked and unpacked while staging, bytes archived while saving the undo copy,
 * and a pulsing bar for the steps that report no bytes.
 */
export function RestoreSteps({ steps, progress, label }: { steps: readonly RestoreStep[]; progress: RestoreProgress; label: string }) {
  const t = useTranslations("restoreDialog");
  const progressText = useProgressText();
  const states = restoreStepStates(steps, progress.reached);
  const running = states.find((s) => s.state === "running")?.step ?? steps[steps.length - 1]!;
  const event = progress.operation?.event;
  // Bytes belong to the running step only when the last event is that step's.
  const measured = event && restoreStepOf(event.phase) === running && measuresBytes(event) ? progress.operation : null;
  const done = measured?.event.bytesDone ?? 0;
  const total = measured?.event.bytesTotal ?? 0;
  const numbers = measured ? progressText(done, total, estimateSecondsLeft(measured.sample, Date.now(), done, total)) : "";

  return (
    <div className="flex flex-col gap-3 rounded-md border border-border bg-muted/40 p-3">
      <ol className="flex flex-col gap-1.5 text-sm" aria-label={label}>
        {states.map(({ step, state }) => (
          <li key={step} aria-current={state === "running" ? "step" : undefined} className="flex items-center gap-2">
            <span
              aria-hidden="true"
              className={cn(
                "inline-flex size-4 shrink-0 items-center justify-center rounded-full border text-[10px] leading-none",
                state === "done" && "border-success-soft-foreground bg-success-soft text-success-soft-foreground",
                state === "running" && "animate-spin border-2 border-primary border-t-transparent motion-reduce:animate-none",
                state === "pending" && "border-border",
              )}
            >
              {state === "done" ? "✓" : null}
            </span>
            <span className={cn(state === "pending" && "text-muted-foreground", state === "running" && "font-medium")}>
              {t(`steps.${step}`)}
              <span className="sr-only"> ({t(`stepStates.${state}`)})</span>
            </span>
          </li>
        ))}
      </ol>
      <p role="status" className="text-sm">
        {t("now", { step: t(`steps.${running}`) })}
        {measured?.event.volume ? (
          <>
            {" · "}
            <code className="font-mono text-xs">{measured.event.volume}</code>
          </>
        ) : null}
      </p>
      {numbers ? <p className="-mt-2 text-xs text-muted-foreground tabular-nums">{numbers}</p> : null}
      <ProgressBar fraction={measured ? progressFraction(done, total) : null} label={label} valueText={numbers || t(`steps.${running}`)} />
    </div>
  );
}
