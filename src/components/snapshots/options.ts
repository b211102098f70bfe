// Plain data and helpers shared by the snapshot screens (no React here, so the i18n catalog
// test can import the value lists it checks translations for).
import type { OperationEvent } from "~/server/engine/operations";
import type { RouterOutputs } from "~/trpc/react";

export type SnapshotView = RouterOutputs["snapshot"]["list"][number];
export type SnapshotCoverage = RouterOutputs["snapshot"]["snapshotable"];
export type { OperationEvent };

/** Translated as `snapshots.kinds.<kind>`; a kind the server adds later shows as-is. */
export const SNAPSHOT_KINDS = ["manual", "pre-restore", "scheduled", "imported"] as const;
export type SnapshotKind = (typeof SNAPSHOT_KINDS)[number];
export const isKnownKind = (kind: string): kind is SnapshotKind => (SNAPSHOT_KINDS as readonly string[]).includes(kind);

/**
 * What the archive writer lists instead of archiving (manifest.skipped[].type), translated as
 * `snapshots.skippedTypes.<type>`. Mirrors SKIPPED_TYPES in src/server/engine/archive/manifest.ts.
 * "symlink" appears only in snapshots made before format version 2, which kept no links;
 * "unsupported-link" is a link whose target is not UTF-8 text or is longer than 4095 bytes.
 */
export const SKIPPED_ENTRY_TYPES = [
  "symlink",
  "unsupported-link",
  "socket",
  "fifo",
  "character-device",
  "block-device",
  "other",
  "unsupported-name",
] as const;
export type SkippedEntryType = (typeof SKIPPED_ENTRY_TYPES)[number];
export const isKnownSkippedType = (type: string): type is SkippedEntryType => (SKIPPED_ENTRY_TYPES as readonly string[]).includes(type);

/**
 * Why a volume is not covered, translated as `snapshotCoverage.reasons.<code>`. The server
 * sends an English sentence; the known ones are recognised here, anything else is shown as
 * the server wrote it (never hidden, never guessed).
 */
export const COVERAGE_REASONS = ["named", "readOnly", "missingFolder", "notImage"] as const;
export type CoverageReason = (typeof COVERAGE_REASONS)[number];
const REASON_TEXTS: Record<string, CoverageReason> = {
  "Docker named volume: its data is managed by Docker, not covered by snapshots": "named",
  "read-only bind: mounted as configuration, not data the workload writes": "readOnly",
  "its folder does not exist yet (deploy the workload first)": "missingFolder",
  "only image workloads can be snapshotted": "notImage",
};
export const coverageReasonCode = (reason: string): CoverageReason | null => REASON_TEXTS[reason] ?? null;

/** Operation kinds of the progress stream, translated as `snapshotProgress.kinds.<kind>`. */
export const OPERATION_KINDS = ["capture", "import", "restore"] as const satisfies readonly OperationEvent["kind"][];

/**
 * Phases the engine reports, translated as `snapshotProgress.phases.<key>`. Unknown phases
 * (a later engine version) are shown as sent.
 */
export const OPERATION_PHASES = [
  "starting",
  "stopping",
  "capturing",
  "capturingRetry",
  "startingContainers",
  "uploading",
  "validating",
  "preRestoreSnapshot",
  "staging",
  "swapping",
  "redeploying",
  "done",
  "failed",
] as const;
export type OperationPhase = (typeof OPERATION_PHASES)[number];

export function operationPhaseKey(phase: string): OperationPhase | null {
  switch (phase) {
    case "starting containers":
      return "startingContainers";
    case "pre-restore-snapshot":
      return "preRestoreSnapshot";
    default:
      if (phase.startsWith("capturing (attempt")) return "capturingRetry";
      return (OPERATION_PHASES as readonly string[]).includes(phase) ? (phase as OperationPhase) : null;
  }
}

export const LABEL_MAX_LENGTH = 100;

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
 * How a restore run ended (RestoreRun.outcome; null while it runs), translated as
 * `restoreHistory.outcomes.<outcome>`. An outcome a later engine adds shows as sent.
 */
export const RESTORE_OUTCOMES = ["succeeded", "failed", "rolled-back-at-boot", "completed-at-boot"] as const;
export type RestoreOutcome = (typeof RESTORE_OUTCOMES)[number];
/** Codes the server records as a run's detail (any other detail is a path-free message); `restoreHistory.details.<code>`. */
export const RESTORE_RUN_DETAILS = ["redeploy-failed", "rollback-failed", "finish-failed"] as const;
export const isRestoreRunDetail = (detail: string): detail is (typeof RESTORE_RUN_DETAILS)[number] => (RESTORE_RUN_DETAILS as readonly string[]).includes(detail);
export const isKnownRestoreOutcome = (outcome: string): outcome is RestoreOutcome => (RESTORE_OUTCOMES as readonly string[]).includes(outcome);

/** Runs whose end state is the snapshot's data, so restoring their pre-restore snapshot undoes them. */
export const isUndoable = (run: Pick<RestoreRunView, "outcome" | "preRestoreSnapshotId">) =>
  (run.outcome === "succeeded" || run.outcome === "completed-at-boot") && !!run.preRestoreSnapshotId;

/**
 * The steps of a restore in the engine's order, translated as `restoreDialog.steps.<step>`.
 * "checking" is the pre-flight (hash and full validation of the archive), which runs before
 * the engine reports anything.
 */
export const RESTORE_STEPS = ["checking", "stopping", "preRestoreSnapshot", "staging", "swapping", "redeploying"] as const;
export type RestoreStep = (typeof RESTORE_STEPS)[number];

/** How the dialog marks each step, translated as `restoreDialog.stepStates.<state>` (for screen readers). */
export const RESTORE_STEP_STATES = ["done", "running", "pending"] as const;

/** Index of the step a restore operation's phase belongs to; RESTORE_STEPS.length once it is done. */
export function restoreStepIndex(phase: string | null): number {
  switch (phase) {
    case null:
      return 0;
    case "starting":
    case "stopping":
      return 1;
    case "pre-restore-snapshot":
      return 2;
    case "staging":
      return 3;
    case "swapping":
    case "committed":
      return 4;
    case "redeploying":
      return 5;
    case "done":
      return RESTORE_STEPS.length;
    default:
      return 0;
  }
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
