"use client";

import { useTranslations } from "next-intl";
import { useRef, useState } from "react";
import { cn } from "~/lib/utils";
import { api } from "~/trpc/react";
import {
  estimateSecondsLeft,
  isUndoCopyPhase,
  measuresBytes,
  isOperationPhase,
  progressFraction,
  type OperationEvent,
  type PhaseSample,
} from "./options";
import { useFormatBytes, useFormatDuration, useFormatPercent } from "~/components/format/use-format";

export interface TrackedOperation {
  event: OperationEvent;
  /** where the current phase started, for the rate and the ETA */
  sample: PhaseSample;
  /** started from this browser tab (its outcome is shown by the action that started it) */
  own: boolean;
  /** browser time of the last event */
  updatedAt: number;
  /** a restore that reached its background part: its workload is up, its undo copy being saved */
  savingUndoCopy: boolean;
}

const KEEP_FINISHED = 5;

/**
 * The next state of a watched operation: the phase's starting sample (for the rate and the
 * ETA) is kept while the phase and its byte count go on, and restarted when they do not.
 */
export function trackEvent(old: TrackedOperation | null | undefined, event: OperationEvent, own: boolean): TrackedOperation {
  const now = Date.now();
  const samePhase = old && old.event.phase === event.phase && event.bytesDone >= old.event.bytesDone;
  return {
    event,
    sample: samePhase ? old.sample : { phase: event.phase, at: now, bytes: event.bytesDone },
    own: old?.own ?? own,
    updatedAt: now,
    savingUndoCopy: (old?.savingUndoCopy ?? false) || (event.kind === "restore" && isUndoCopyPhase(event.phase)),
  };
}

// Restores and test restores started from this browser tab, per workload and kind. Their
// progress and outcome show in the dialog that started them, so the snapshot panel must not
// also report them as work "started elsewhere". Module state on purpose: it is per tab, like the dialogs.
const ownOperations = new Map<string, number>();
export function markOwnOperation(workloadId: string, kind: OperationEvent["kind"], active: boolean) {
  const key = `${kind}:${workloadId}`;
  const count = (ownOperations.get(key) ?? 0) + (active ? 1 : -1);
  if (count > 0) ownOperations.set(key, count);
  else ownOperations.delete(key);
}
export const isOwnOperation = (workloadId: string, kind: OperationEvent["kind"]) => ownOperations.has(`${kind}:${workloadId}`);
export const markOwnRestore = (workloadId: string, active: boolean) => markOwnOperation(workloadId, "restore", active);
export const isOwnRestore = (workloadId: string) => isOwnOperation(workloadId, "restore");

/** Work that changes the snapshot list: when another tab or the CLI finishes one, the panel says so. */
const NOTICE_KINDS: ReadonlySet<OperationEvent["kind"]> = new Set(["capture", "import", "restore"]);
/** Background work shown by the off-host panel (components/off-host), never in the snapshot panel. */
export const OFF_HOST_KINDS: ReadonlySet<OperationEvent["kind"]> = new Set(["copy", "fetch"]);

/**
 * The workload's captures, imports, restores, verifications and test restores as they run,
 * from the server-sent progress stream. An operation that had already ended before this page subscribed is ignored (the
 * server replays recent outcomes to late subscribers); one that ends while watched refreshes
 * the snapshot list (and after a restore, the restore history), so work started elsewhere
 * (another tab, the CLI) shows up too. A restore ends when its undo copy is saved, after
 * the workload is up again.
 */
export function useOperationProgress(workloadId: string, isOwn: (kind: OperationEvent["kind"]) => boolean) {
  const utils = api.useUtils();
  const [operations, setOperations] = useState<ReadonlyMap<string, TrackedOperation>>(new Map());
  const seen = useRef(new Set<string>());
  const isOwnRef = useRef(isOwn);
  isOwnRef.current = isOwn;

  // What an ended operation changed. Copies and fetches are the off-host panel's (it refreshes the copies).
  const refreshAfter = (kind: OperationEvent["kind"]) => {
    if (kind === "test-restore") return utils.snapshot.testRestores.invalidate({ workloadId });
    if (OFF_HOST_KINDS.has(kind)) return null;
    return Promise.all([
      utils.snapshot.list.invalidate(),
      // A verification re-reads the copies; a capture or an import queues new ones.
      utils.snapshot.copies.invalidate({ workloadId }),
      kind === "verify" ? null : utils.workload.get.invalidate({ id: workloadId }),
      kind === "restore" ? utils.snapshot.restoreRuns.invalidate({ workloadId }) : null,
    ]);
  };

  api.snapshot.progress.useSubscription(
    { workloadId },
    {
      onData: (event) => {
        const known = seen.current.has(event.operationId);
        if (!known && event.done) return;
        seen.current.add(event.operationId);
        const own = !known && isOwnRef.current(event.kind);
        setOperations((previous) => {
          const next = new Map(previous);
          next.set(event.operationId, trackEvent(previous.get(event.operationId), event, own));
          // Keep the few latest outcomes; running operations always stay.
          const finished = [...next.values()].filter((o) => o.event.done).sort((a, b) => b.updatedAt - a.updatedAt);
          for (const o of finished.slice(KEEP_FINISHED)) next.delete(o.event.operationId);
          return next;
        });
        if (event.done) void refreshAfter(event.kind);
      },
    },
  );

  const all = [...operations.values()];
  return {
    running: all.filter((o) => !o.event.done).sort((a, b) => a.event.startedAt - b.event.startedAt),
    /** the latest outcome of a capture, import or restore started elsewhere */
    lastForeignOutcome:
      all.filter((o) => o.event.done && !o.own && NOTICE_KINDS.has(o.event.kind)).sort((a, b) => b.updatedAt - a.updatedAt)[0] ?? null,
    dismiss: (operationId: string) =>
      setOperations((previous) => {
        const next = new Map(previous);
        next.delete(operationId);
        return next;
      }),
  };
}

/** A bar: filled to `fraction`, or pulsing while the total is not known yet. */
export function ProgressBar({
  fraction,
  label,
  valueText,
  className,
}: {
  fraction: number | null;
  label: string;
  valueText?: string;
  className?: string;
}) {
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={fraction === null ? undefined : Math.round(fraction * 100)}
      aria-valuetext={valueText}
      className={cn("h-2 w-full overflow-hidden rounded-full bg-secondary", className)}
    >
      {fraction === null ? (
        <div className="h-full w-full animate-pulse rounded-full bg-primary/50 motion-reduce:animate-none" />
      ) : (
        <div
          className="h-full rounded-full bg-primary transition-[width] duration-200 motion-reduce:transition-none"
          style={{ width: `${fraction * 100}%` }}
        />
      )}
    </div>
  );
}

/** "45% · 12 MB of 27 MB · about 8 seconds left", or what is known of it. */
export function useProgressText() {
  const t = useTranslations("snapshotProgress");
  const bytes = useFormatBytes();
  const percent = useFormatPercent();
  const duration = useFormatDuration();
  return (done: number, total: number, secondsLeft: number | null) => {
    const fraction = progressFraction(done, total);
    if (fraction === null) return done > 0 ? t("bytesSoFar", { done: bytes(done) }) : "";
    const parts = [percent(fraction), t("bytesOf", { done: bytes(done), total: bytes(total) })];
    if (secondsLeft !== null) parts.push(t("timeLeft", { time: duration(secondsLeft) }));
    return parts.join(" · ");
  };
}

export function usePhaseLabel() {
  const t = useTranslations("snapshotProgress");
  return (phase: string, attempt?: number) => {
    if (!isOperationPhase(phase)) return phase;
    return attempt && attempt > 1 ? t("retry", { phase: t(`phases.${phase}`), attempt }) : t(`phases.${phase}`);
  };
}

/**
 * What a progress bar of a running operation shows: its phase in words, whether it counts bytes
 * now, the fraction done and the numbers with the ETA ("" when there are none).
 */
export function useOperationReadout(operation: TrackedOperation) {
  const phaseLabel = usePhaseLabel();
  const progressText = useProgressText();
  const { event, sample } = operation;
  // Phases that count no bytes show as indeterminate, not as "0%" or a stale count.
  const measured = measuresBytes(event);
  const done = measured ? event.bytesDone : 0;
  const total = measured ? event.bytesTotal : 0;
  return {
    phase: phaseLabel(event.phase, event.attempt),
    measured,
    fraction: progressFraction(done, total),
    numbers: progressText(done, total, estimateSecondsLeft(sample, Date.now(), done, total)),
  };
}

/** One running operation: what it is, its phase and volume, and the bar with numbers and ETA. */
export function OperationProgress({ operation }: { operation: TrackedOperation }) {
  const t = useTranslations("snapshotProgress");
  const { event } = operation;
  const { phase, measured, fraction, numbers } = useOperationReadout(operation);
  const title = t(`kinds.${event.kind}`);
  return (
    <div className="flex flex-col gap-2 rounded-md border border-border bg-muted/40 p-3">
      <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1 text-sm">
        <p role="status" className="font-medium">
          {title}
          <span className="font-normal text-muted-foreground">
            {" · "}
            {phase}
            {event.volume && measured ? (
              <>
                {" · "}
                <code className="font-mono text-xs">{event.volume}</code>
              </>
            ) : null}
          </span>
        </p>
        {numbers ? <p className="text-xs text-muted-foreground tabular-nums">{numbers}</p> : null}
      </div>
      <ProgressBar fraction={fraction} label={title} valueText={numbers || phase} />
    </div>
  );
}
