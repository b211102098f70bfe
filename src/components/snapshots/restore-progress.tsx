"use client";

import { useTranslations } from "next-intl";
import { useCallback, useRef, useState } from "react";
import { cn } from "~/lib/utils";
import { api } from "~/trpc/react";
import { estimateSecondsLeft, progressFraction, RESTORE_STEPS, restoreStepIndex, type RESTORE_STEP_STATES } from "./options";
import { ProgressBar, trackEvent, useProgressText, type TrackedOperation } from "./snapshot-progress";

interface RestoreOperations {
  restore: TrackedOperation | null;
  /** the pre-restore snapshot the restore takes first */
  capture: TrackedOperation | null;
}

type RestoreStepState = (typeof RESTORE_STEP_STATES)[number];

const NONE: RestoreOperations = { restore: null, capture: null };

/**
 * The progress of the one restore a dialog starts. It listens while the dialog is open, so
 * the stream is connected before the request is sent; everything seen before `arm()` (work
 * of other tabs, outcomes the server replays) is ignored. After arming, the first restore
 * that starts is this one (a second one would have been refused), and the first capture
 * after it is its pre-restore snapshot.
 */
export function useRestoreProgress(workloadId: string, listening: boolean) {
  const [ops, setOps] = useState<RestoreOperations>(NONE);
  const armed = useRef(false);
  const before = useRef(new Set<string>());
  const ids = useRef<{ restore: string | null; capture: string | null }>({ restore: null, capture: null });

  api.snapshot.progress.useSubscription(
    { workloadId },
    {
      enabled: listening,
      onData: (event) => {
        if (!armed.current || before.current.has(event.operationId)) {
          before.current.add(event.operationId);
          return;
        }
        const slot = event.kind === "restore" ? "restore" : event.kind === "capture" && ids.current.restore ? "capture" : null;
        if (!slot) return;
        if (ids.current[slot] === null && !event.done) ids.current[slot] = event.operationId;
        if (ids.current[slot] !== event.operationId) return;
        setOps((previous) => ({ ...previous, [slot]: trackEvent(previous[slot], event, true) }));
      },
    },
  );

  const arm = useCallback(() => {
    armed.current = true;
    ids.current = { restore: null, capture: null };
    setOps(NONE);
  }, []);
  const reset = useCallback(() => {
    armed.current = false;
    before.current.clear();
    ids.current = { restore: null, capture: null };
    setOps(NONE);
  }, []);
  return { ...ops, arm, reset };
}

/**
 * The restore's steps, each marked done, running or still to come, and a bar for the
 * running one: bytes unpacked while staging, bytes read for the pre-restore snapshot, and a
 * pulsing bar for the steps that report no bytes.
 */
export function RestoreSteps({ restore, capture }: RestoreOperations) {
  const t = useTranslations("restoreDialog");
  const tp = useTranslations("snapshotProgress");
  const progressText = useProgressText();
  const current = restoreStepIndex(restore?.event.phase ?? null);
  const measured = current === 3 ? restore : current === 2 ? capture : null;
  const done = measured?.event.bytesDone ?? 0;
  const total = measured?.event.bytesTotal ?? 0;
  const numbers = measured ? progressText(done, total, estimateSecondsLeft(measured.sample, Date.now(), done, total)) : "";
  const step = RESTORE_STEPS[Math.min(current, RESTORE_STEPS.length - 1)]!;

  return (
    <div className="flex flex-col gap-3 rounded-md border border-border bg-muted/40 p-3">
      <ol className="flex flex-col gap-1.5 text-sm" aria-label={t("stepsLabel")}>
        {RESTORE_STEPS.map((s, i) => {
          const state: RestoreStepState = i < current ? "done" : i === current ? "running" : "pending";
          return (
            <li key={s} aria-current={state === "running" ? "step" : undefined} className="flex items-center gap-2">
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
                {t(`steps.${s}`)}
                <span className="sr-only"> ({t(`stepStates.${state}`)})</span>
              </span>
            </li>
          );
        })}
      </ol>
      <p role="status" className="text-sm">
        {t("now", { step: t(`steps.${step}`) })}
        {restore?.event.volume && current === 3 ? (
          <>
            {" · "}
            <code className="font-mono text-xs">{restore.event.volume}</code>
          </>
        ) : null}
      </p>
      {numbers ? <p className="-mt-2 text-xs text-muted-foreground tabular-nums">{numbers}</p> : null}
      <ProgressBar fraction={measured ? progressFraction(done, total) : null} label={tp("kinds.restore")} valueText={numbers || t(`steps.${step}`)} />
    </div>
  );
}
