import { isOneOf } from "./codes";
import type { OperationPhase } from "./operations";

/** A restore run's phases in order, as RestoreRun.phase and RestoreRun.phases record them ("done" once finished). */
export const RESTORE_PHASES = [
  "staging",
  "stopping",
  "swapping",
  "starting",
  "saving-undo-copy",
  "removing-old-data",
] as const satisfies readonly OperationPhase[];
export type RestorePhase = (typeof RESTORE_PHASES)[number];

/** How a restore run ended (RestoreRun.outcome; null while it runs). */
export const RESTORE_OUTCOMES = ["succeeded", "failed", "rolled-back-at-boot", "completed-at-boot"] as const;
export type RestoreOutcome = (typeof RESTORE_OUTCOMES)[number];
export const isRestoreOutcome = isOneOf(RESTORE_OUTCOMES);

/** Codes a run records as its detail (RestoreRun.detail); any other detail is a path-free English message. */
export const RESTORE_RUN_DETAILS = ["redeploy-failed", "rollback-failed", "finish-failed", "undo-interrupted", "recovery-failed"] as const;
export type RestoreRunDetail = (typeof RESTORE_RUN_DETAILS)[number];
export const isRestoreRunDetail = isOneOf(RESTORE_RUN_DETAILS);
