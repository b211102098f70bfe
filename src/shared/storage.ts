import { isOneOf } from "./codes";

/**
 * Off-host storage targets (src/server/engine/storage/). sftp: a folder on an SSH server;
 * local: a folder on this host, usually a mounted NFS or SMB share. An S3-compatible kind fits
 * the same StorageBackend interface later.
 */
export const STORAGE_KINDS = ["sftp", "local"] as const;
export type StorageKind = (typeof STORAGE_KINDS)[number];
export const isStorageKind = isOneOf(STORAGE_KINDS);

/**
 * A copy's state. queued: waiting for its (next) try; copying: being written; verified: on the
 * target and its re-read sha256 matched; failed: every try failed (Retry queues it again);
 * corrupt: a later verification read another sha256; missing: a later verification found no file.
 */
export const COPY_STATES = ["queued", "copying", "verified", "failed", "corrupt", "missing"] as const;
export type CopyState = (typeof COPY_STATES)[number];
export const isCopyState = isOneOf(COPY_STATES);
/** States in which a copy is not (known to be) a good copy: the dashboard counts them as failing. */
export const FAILING_COPY_STATES: readonly CopyState[] = ["failed", "corrupt", "missing"];

/** How a verification or a test restore ended. */
export const CHECK_OUTCOMES = ["passed", "failed"] as const;
export type CheckOutcome = (typeof CHECK_OUTCOMES)[number];

/** A test restore's outcome; interrupted: the server stopped during it (its sandbox is removed at the next start). */
export const TEST_RESTORE_OUTCOMES = ["passed", "failed", "interrupted"] as const;
export type TestRestoreOutcome = (typeof TEST_RESTORE_OUTCOMES)[number];

/**
 * Why a target's folder is refused (`target-folder-invalid`'s `problem`, an ICU select value, so
 * no hyphens): notAbsolute / hasDotdot: the path itself; insideDataDir: it would die with Berth's
 * own disk; missing / notAFolder: nothing usable there; notMarked: a local folder without the marker
 * Berth wrote at its first use (an NFS or SMB share that is not mounted shows its empty mount point).
 */
export const TARGET_FOLDER_PROBLEMS = ["notAbsolute", "hasDotdot", "insideDataDir", "missing", "notAFolder", "notMarked"] as const;
export type TargetFolderProblem = (typeof TARGET_FOLDER_PROBLEMS)[number];

/** A test restore's check command: one shell line run in the sandbox container (`sh -c`). */
export const TEST_COMMAND_MAX = 500;
