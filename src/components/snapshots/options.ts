// Plain data and helpers shared by the snapshot screens (no React here, so the i18n catalog
// test can import the value lists it checks translations for).
import { describeError, type Translator } from "~/components/ui/trpc-error";
import type { OperationEvent } from "~/server/engine/operations";
import type { RestorePhase } from "~/shared/restore";
import type { RouterOutputs } from "~/trpc/react";

export type SnapshotView = RouterOutputs["snapshot"]["list"][number];
export type SnapshotCoverage = RouterOutputs["snapshot"]["snapshotable"];
export type { OperationEvent };

// The vocabulary the engine sends (kinds, skip reasons, phases, outcomes) lives in ~/shared;
// the screens translate its codes as they are. An unknown code (a later engine) shows as sent.
export { COVERAGE_SKIP_REASONS, isSkippedEntryType, SKIPPED_ENTRY_TYPES } from "~/shared/coverage";
export { isOperationPhase, OPERATION_KINDS, OPERATION_PHASES } from "~/shared/operations";
export { isRestoreOutcome, isRestoreRunDetail, RESTORE_OUTCOMES, RESTORE_RUN_DETAILS } from "~/shared/restore";
export { isSnapshotKind, SNAPSHOT_KINDS } from "~/shared/snapshot-kinds";

// Off-host work and checks count bytes only while they move or read data (not while a test
// restore's container starts or its check runs).
const CHECK_KINDS: ReadonlySet<string> = new Set(["copy", "verify", "fetch", "test-restore"]);
const CHECK_BYTE_PHASES: ReadonlySet<string> = new Set(["copying", "verifying", "downloading", "validating", "extracting"]);

/** Phases whose events count bytes (the others show an indeterminate bar, not a stale count). */
export const measuresBytes = (event: Pick<OperationEvent, "kind" | "phase" | "bytesDone">) =>
  event.kind === "restore"
    ? event.phase === "staging" || event.phase === "saving-undo-copy"
    : !(event.phase === "validating" && event.bytesDone === 0) && (!CHECK_KINDS.has(event.kind) || CHECK_BYTE_PHASES.has(event.phase));

export const LABEL_MAX_LENGTH = 100;

/**
 * Why a list failed to load, for its "Could not load…" alert: the server's reason in the UI's
 * language (describeError), never its English message as sent.
 */
export const loadErrorText = (error: Parameters<typeof describeError>[0], t?: Translator) =>
  (t ? describeError(error, t) : describeError(error))?.message ?? "";

/** Browser URL of a snapshot's archive (admins only; the session cookie authenticates it). */
export const downloadUrl = (id: string) => `/api/snapshots/${encodeURIComponent(id)}/download`;
/** The import route; `keepSpecialBits` goes in the query so the server checks it before the upload. */
export const importUrl = (workloadId: string, opts: { keepSpecialBits?: boolean } = {}) =>
  `/api/workloads/${encodeURIComponent(workloadId)}/snapshots/import${opts.keepSpecialBits ? "?keepSpecialBits=1" : ""}`;

const UNITS = ["byte", "kilobyte", "megabyte", "gigabyte", "terabyte", "petabyte"] as const;
export type ByteUnit = (typeof UNITS)[number];

/** A byte count in decimal (SI) units, ready for Intl's unit formatting: 1 234 567 → 1.2 megabyte. */
export function scaleBytes(bytes: number): { value: number; unit: ByteUnit; fractionDigits: number } {
  let value = Math.max(0, bytes);
  let i = 0;
  while (value >= 1000 && i < UNITS.length - 1) {
    value /= 1000;
    i++;
  }
  // 1.2 MB and 12 MB and 123 MB: about three significant digits, never "1.0 kB" for bytes.
  const fractionDigits = i === 0 || value >= 10 ? 0 : 1;
  return { value, unit: UNITS[i]!, fractionDigits };
}

/**
 * Progress of one operation phase as the browser sees it: when the phase was first seen
 * and how many bytes were done then. The rate (and so the ETA) comes from the browser's
 * own clock, never from comparing it with the server's.
 */
export interface PhaseSample {
  phase: string;
  at: number;
  bytes: number;
}

/** Seconds left at the average rate since the phase began, or null while there is no honest estimate. */
export function estimateSecondsLeft(sample: PhaseSample, now: number, bytesDone: number, bytesTotal: number): number | null {
  const elapsed = (now - sample.at) / 1000;
  const done = bytesDone - sample.bytes;
  if (bytesTotal <= 0 || elapsed < 1 || done <= 0 || bytesDone >= bytesTotal) return null;
  return Math.max(1, Math.ceil((bytesTotal - bytesDone) / (done / elapsed)));
}

/** A fraction 0..1, or null when the total is not known yet (indeterminate). */
export function progressFraction(bytesDone: number, bytesTotal: number): number | null {
  if (bytesTotal <= 0) return null;
  return Math.min(1, Math.max(0, bytesDone / bytesTotal));
}

export const totalSize = (snapshots: readonly { size: bigint | number }[]) => snapshots.reduce((sum, s) => sum + Number(s.size), 0);

/** The manifest's skipped-entry count, including any the writer counted but did not list. */
export function skippedCount(manifest: SnapshotView["manifest"]): number {
  const omitted = (manifest as { skippedOmitted?: unknown }).skippedOmitted;
  return manifest.skipped.length + (typeof omitted === "number" ? omitted : 0);
}

export type RestoreRunView = RouterOutputs["snapshot"]["restoreRuns"][number];
export type RestoreResultView = RouterOutputs["snapshot"]["restore"];

/** Files whose setuid/setgid a restore removed (imported snapshots); at most 100 paths listed. */
export interface StrippedSpecialBits {
  count: number;
  paths: string[];
}

/** What a restore reports as stripped, or null when it removed nothing. */
export function strippedSpecialBits(result: RestoreResultView): (StrippedSpecialBits & { unlisted: number }) | null {
  const stripped = result.strippedSpecialBits;
  if (!stripped || stripped.count <= 0) return null;
  return { ...stripped, unlisted: Math.max(0, stripped.count - stripped.paths.length) };
}

/** Whether restoring this snapshot removes setuid/setgid from files: imports not marked as trusted. */
export const stripsSpecialBits = (snapshot: Pick<SnapshotView, "kind" | "keepSpecialBits">) =>
  snapshot.kind === "imported" && snapshot.keepSpecialBits !== true;

/**
 * The run the history offers to undo: the workload's latest run, when it changed the data
 * and is not undone already (the server undoes only the latest run). None while a restore
 * is still bringing its workload up: the server would refuse with CONFLICT.
 */
export function undoableRun<R extends Pick<RestoreRunView, "outcome" | "undoCopy">>(runsNewestFirst: readonly R[]): R | null {
  const latest = runsNewestFirst[0];
  if (!latest || (latest.outcome !== "succeeded" && latest.outcome !== "completed-at-boot")) return null;
  return latest.undoCopy === "undone" ? null : latest;
}

/**
 * How Undo works for a run: "swap" while its previous data is still on disk beside the
 * volumes (the copy is being saved, or saving failed and is retried): an O(1) swap back;
 * "snapshot" once that data is saved as the pre-restore snapshot (a normal restore of it;
 * runs recorded before undo copies had states have only their snapshot); null when there is
 * nothing to go back to.
 */
export function undoMethod(run: Pick<RestoreRunView, "undoCopy" | "preRestoreSnapshotId">): "swap" | "snapshot" | null {
  if (run.undoCopy === "pending" || run.undoCopy === "failed") return "swap";
  if ((run.undoCopy === "saved" || run.undoCopy === null) && run.preRestoreSnapshotId) return "snapshot";
  return null;
}

/**
 * Where a restore's background stands, for its dialog: the progress stream says when it is
 * over, and the run's row says so too (should the stream have missed the end).
 */
export function undoCopyProgress(
  run: Pick<RestoreRunView, "undoCopy" | "finishedAt"> | undefined,
  event: Pick<OperationEvent, "done" | "error"> | undefined,
): "pending" | "saved" | "none" | "undone" | "failed" {
  if (run?.undoCopy === "undone") return "undone";
  if ((event?.done && event.error) || run?.undoCopy === "failed") return "failed";
  if (!event?.done && !run?.finishedAt) return "pending";
  return run?.undoCopy === "none" ? "none" : "saved";
}

/** The snapshot the history's Undo would restore, for the "Undo copy" badge; null when Undo is a swap or impossible. */
export function undoCopySnapshotId(
  runsNewestFirst: readonly Pick<RestoreRunView, "outcome" | "undoCopy" | "preRestoreSnapshotId">[],
): string | null {
  const run = undoableRun(runsNewestFirst);
  return run && undoMethod(run) === "snapshot" ? run.preRestoreSnapshotId : null;
}

/**
 * A restore's steps in the engine's order, translated as `restoreDialog.steps.<step>` and
 * (shorter) `restoreHistory.phases.<step>`. The request waits for the first four; the
 * workload is down only from "stopping" to "starting". The last two run in the background.
 */
export const RESTORE_STEPS = ["staging", "stopping", "swapping", "starting", "savingUndoCopy", "removingOldData"] as const;
export type RestoreStep = (typeof RESTORE_STEPS)[number];
/** What a restore request waits for. */
export const RESTORE_FOREGROUND_STEPS = ["staging", "stopping", "swapping", "starting"] as const satisfies readonly RestoreStep[];
/** What an undo waits for while the previous data is still on disk: no unpacking, just the swap back. */
export const UNDO_SWAP_STEPS = ["stopping", "swapping", "starting"] as const satisfies readonly RestoreStep[];
/** After the request returned: the replaced data is archived as the undo copy, then removed. */
export const UNDO_COPY_STEPS = ["savingUndoCopy", "removingOldData"] as const satisfies readonly RestoreStep[];

/** Whether a restore's phase is its background part, after the workload is up again. */
export const isUndoCopyPhase = (phase: string) => phase === "saving-undo-copy" || phase === "removing-old-data";

const STEP_OF_PHASE = new Map<RestorePhase, RestoreStep>([
  ["staging", "staging"],
  ["stopping", "stopping"],
  ["swapping", "swapping"],
  ["starting", "starting"],
  ["saving-undo-copy", "savingUndoCopy"],
  ["removing-old-data", "removingOldData"],
]);
export const restoreStepOf = (phase: string): RestoreStep | null => STEP_OF_PHASE.get(phase as RestorePhase) ?? null;

/** How the dialog marks each step, translated as `restoreDialog.stepStates.<state>` (for screen readers). */
export const RESTORE_STEP_STATES = ["done", "running", "pending"] as const;
export type RestoreStepState = (typeof RESTORE_STEP_STATES)[number];

/**
 * The furthest step (index in RESTORE_STEPS; RESTORE_STEPS.length when finished) a restore
 * operation has reached after this event. Steps never go back. A "starting" before the swap
 * is the operation's own first event, not the workload starting.
 */
export function advanceRestoreStep(reached: number, phase: string): number {
  if (phase === "done") return RESTORE_STEPS.length;
  const step = restoreStepOf(phase);
  if (!step || (step === "starting" && reached < RESTORE_STEPS.indexOf("swapping"))) return reached;
  return Math.max(reached, RESTORE_STEPS.indexOf(step));
}

/** Each of `steps` marked against the furthest step reached (the first one runs until anything is reported). */
export function restoreStepStates(steps: readonly RestoreStep[], reached: number): { step: RestoreStep; state: RestoreStepState }[] {
  const current = Math.max(reached, RESTORE_STEPS.indexOf(steps[0]!));
  return steps.map((step) => {
    const i = RESTORE_STEPS.indexOf(step);
    return { step, state: i < current ? "done" : i === current ? "running" : "pending" };
  });
}

/** How a restore dialog's run ended, for its title: `restoreDialog.endTitles.<ending>` (`undoEndTitles` for an undo). */
export const RESTORE_DIALOG_ENDINGS = ["finished", "failed", "rolledBack"] as const;
export type RestoreDialogEnding = (typeof RESTORE_DIALOG_ENDINGS)[number];
// Failures the engine answers after putting the previous data back (engine/restore/restore.ts).
const ROLLED_BACK_REASONS: ReadonlySet<string> = new Set(["restore-failed", "restore-disk-filled"]);

/** null while the question is still open; a failure whose data was put back is "rolledBack". */
export function restoreDialogEnding(
  result: unknown,
  error: { data?: { reason?: string | null } | null } | null | undefined,
): RestoreDialogEnding | null {
  if (result) return "finished";
  if (!error) return null;
  return ROLLED_BACK_REASONS.has(error.data?.reason ?? "") ? "rolledBack" : "failed";
}

/** What the user types to confirm a restore: the label, or the id when there is none. */
export const restoreConfirmationText = (snapshot: Pick<SnapshotView, "id" | "label">) => snapshot.label || snapshot.id;

export interface RestorePlan {
  /** volumes the snapshot replaces, with what it holds for each */
  replaced: { target: string; files: number; bytes: number }[];
  /** current volumes the snapshot does not cover: left as they are */
  kept: { target: string; scope: string }[];
  /** snapshot volumes with no writable folder volume at that path now: the server refuses the restore */
  refused: string[];
}

/**
 * The restore as the engine will do it (src/server/engine/restore/restore.ts): manifest
 * volumes map by target onto the workload's CURRENT volumes, each must be a writable folder
 * (not a named Docker volume, not read-only), and every other current volume is kept.
 */
export function planRestore(
  manifest: Pick<SnapshotView["manifest"], "volumes">,
  volumes: readonly { target: string; scope: string; readOnly?: boolean }[],
): RestorePlan {
  const byTarget = new Map(volumes.map((v) => [v.target, v]));
  const replaced: RestorePlan["replaced"] = [];
  const refused: string[] = [];
  for (const mv of manifest.volumes) {
    const current = byTarget.get(mv.target);
    if (!current || current.scope === "named" || current.readOnly) refused.push(mv.target);
    else replaced.push({ target: mv.target, files: mv.files, bytes: mv.bytes });
  }
  const inSnapshot = new Set(manifest.volumes.map((v) => v.target));
  const kept = volumes.filter((v) => !inSnapshot.has(v.target)).map((v) => ({ target: v.target, scope: v.scope }));
  return { replaced, kept, refused };
}
