import { isOneOf } from "./codes";

/** Long-running operations of the progress stream, translated as `snapshotProgress.kinds.<kind>`. */
export const OPERATION_KINDS = ["capture", "import", "restore", "copy", "verify", "fetch", "test-restore"] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

/**
 * The phases an operation reports, translated as `snapshotProgress.phases.<phase>`. "starting"
 * is both the first event of every operation and a restore's start of the workload; a
 * capture's retry is `{ phase: "capturing", attempt: 2 }`. A restore's phases are the ones
 * it records (RESTORE_PHASES).
 */
export const OPERATION_PHASES = [
  "starting",
  "stopping",
  "capturing",
  "starting-containers",
  "uploading",
  "validating",
  "staging",
  "swapping",
  "saving-undo-copy",
  "removing-old-data",
  "copying",
  "verifying",
  "downloading",
  "extracting",
  "checking",
  "done",
  "failed",
] as const;
export type OperationPhase = (typeof OPERATION_PHASES)[number];
export const isOperationPhase = isOneOf(OPERATION_PHASES);
