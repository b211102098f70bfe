/**
 * Why the engine refused or failed, as codes: a DomainError carries one with its params,
 * the API sends both (tRPC `error.data.reason`/`params`, HTTP `error.reason`/`params`), and
 * the UI shows `errors.<reason>` with the params (the English message stays for logs, the
 * CLI and API clients). Each reason lists its params' names; a param `cause` holds another
 * reason, whose own params sit beside it. Catalog messages use exactly these names.
 */
export const ERROR_REASONS = {
  // generic
  "not-found": ["entity"],
  "sign-in-first": [],
  "role-needed": ["role"],
  "cross-site": [],
  "invalid-credentials": [],
  "auth-header-malformed": [],
  "token-invalid": [],
  "token-expired": ["at"],
  "account-gone": [],
  "session-ended": [],
  "too-many-attempts": ["minutes"],
  // failures without a domain reason (publicReason), by errno or Docker's answer
  "docker-unreachable": [],
  "docker-refused": [],
  "disk-full": [],
  "quota-exhausted": [],
  "permission-denied": [],
  "file-missing": [],
  unexpected: [],
  "failure-details-hidden": [],
  // users and tokens
  "password-too-short": ["min"],
  "user-exists": ["email"],
  "last-admin": [],
  "delete-self": [],
  "locale-needs-user": [],
  "current-password-wrong": [],
  "password-needs-user": [],
  "account-disabled": [],
  "disable-self": [],
  "reset-self": [],
  "token-name-required": [],
  "token-expiry-range": ["max"],
  // projects and stages
  "project-exists": ["slug"],
  "project-not-empty": ["slug", "count"],
  "stage-exists": ["slug", "project"],
  "stage-not-empty": ["slug", "count"],
  "invalid-slug": [],
  // workloads
  "workload-exists": ["name", "project", "stage"],
  "env-duplicate": ["key"],
  "env-needs-value": ["key"],
  "host-port-duplicate": ["port"],
  "log-download-busy": [],
  // several fields refused at once (DomainError.fieldIssues); each issue has its own reason
  "invalid-fields": ["count"],
  "name-invalid": [],
  "image-required": [],
  "image-spaces": [],
  "env-key-invalid": ["key"],
  "port-invalid": ["min", "max"],
  "host-port-taken": ["port", "workload"],
  // at deploy: Docker could not bind the host port (another container or program holds it)
  "host-port-in-use": ["port"],
  // problem: VOLUME_PROBLEMS (src/shared/workload-fields.ts)
  "volume-problem": ["target", "problem"],
  "volume-invalid": ["target", "detail"],
  "volume-clash": ["detail"],
  "volume-restoring": ["target"],
  "foreign-volume": ["target", "name"],
  "restore-unfinished": [],
  "action-failed": ["action", "cause"],
  "undo-copy-saving": ["name"],
  "workload-has-snapshots": ["name", "count"],
  "delete-confirm-name": ["name"],
  "container-name-taken": ["name"],
  "image-pull-failed": ["image"],
  "secret-unreadable": [],
  "secret-other-key": [],
  // snapshots
  "nothing-to-snapshot": ["targets"],
  "no-volumes": [],
  "snapshot-stop-failed": ["cause"],
  "snapshot-restart-failed": ["cause"],
  "snapshot-failed": [],
  "snapshot-source-changed": [],
  "files-kept-changing": [],
  "snapshot-disk-full": [],
  "snapshot-quota-exhausted": [],
  "snapshot-permission-denied": [],
  "snapshot-file-missing": [],
  "snapshot-file-name-invalid": [],
  "archive-invalid": ["detail"],
  "archive-too-large": [],
  "import-too-large": ["max"],
  "upload-empty": [],
  "upload-no-file": [],
  "upload-cancelled": [],
  "upload-interrupted": [],
  "upload-malformed": [],
  // restores and undo
  "snapshot-other-workload": [],
  "restore-needs-image": [],
  "restore-unmapped": ["targets"],
  // kind: volumes | undoCopy | both (what must fit on that filesystem); targets: the volumes'
  "not-enough-space": ["kind", "targets", "needed", "free"],
  "not-enough-inodes": ["kind", "targets", "needed", "free"],
  "staging-no-space": [],
  "restore-confirm": [],
  "restore-running": [],
  "restore-folders-in-use": [],
  "restore-volumes-changed": [],
  "folder-appeared": ["target"],
  "folder-changed": ["target"],
  "volume-folder-missing": ["target"],
  "checksum-mismatch": [],
  "restore-stop-failed": ["name", "cause"],
  "restore-finish-failed": ["cause"],
  "restore-rollback-failed": [],
  "restore-disk-filled": [],
  "restore-failed": [],
  "undo-confirm": [],
  "undo-not-latest": [],
  "restore-still-running": [],
  "undo-nothing-changed": [],
  "undo-done-already": [],
  "undo-copy-being-saved": [],
  "undo-no-copy": [],
  "undo-copy-just-saved": [],
  "undo-volumes-changed": [],
  "undo-data-replaced": [],
  "undo-interrupted": [],
  "undo-failed": ["cause"],
  // schedules and retention
  // problem: fields | pattern (src/shared/schedules.ts cronProblem)
  "schedule-cron-invalid": ["problem"],
  "schedule-timezone-invalid": ["timezone"],
  "schedule-run-active": [],
  "schedule-run-interrupted": [],
  "prune-failed": [],
  "disk-low": ["free", "percent"],
  // alerts
  "alert-url-invalid": [],
  "alert-delivery-failed": ["status"],
  "alert-delivery-redirected": ["status"],
  "alert-delivery-timeout": ["seconds"],
  "alert-delivery-unreachable": [],
  // off-host copies, verification, test restores
  // problem: TARGET_FOLDER_PROBLEMS (src/shared/storage.ts)
  "target-folder-invalid": ["problem"],
  "target-kind-fixed": [],
  "remote-name-invalid": [],
  "target-host-invalid": [],
  "target-credentials-required": [],
  "target-key-invalid": [],
  "target-unreachable": ["detail"],
  "target-auth-failed": [],
  "target-host-key-mismatch": ["expected", "actual"],
  "target-io-failed": ["detail"],
  "target-space-full": [],
  "target-disabled": [],
  "target-in-use": [],
  "copy-not-found-remote": [],
  "copy-checksum-mismatch": [],
  "copy-size-mismatch": [],
  "copy-for-other-workload": [],
  "snapshot-exists": [],
  "no-copy-targets": [],
  "verify-checksum-mismatch": [],
  "test-restore-running": [],
  "test-command-invalid": ["max"],
  "test-restore-check-failed": ["exitCode"],
  "test-restore-check-timeout": ["seconds"],
  "test-restore-container-exited": ["exitCode"],
  "test-restore-start-failed": ["cause"],
  "test-restore-failed": [],
  "test-restore-interrupted": [],
} as const satisfies Record<string, readonly string[]>;

export type ErrorReason = keyof typeof ERROR_REASONS;
export type ErrorParams = Record<string, string | number>;
export const isErrorReason = (reason: unknown): reason is ErrorReason => typeof reason === "string" && Object.hasOwn(ERROR_REASONS, reason);

/** What `notFound()` names, an ICU select value inside `errors.not-found` (so no hyphens). */
export const ENTITIES = [
  "user",
  "apiToken",
  "project",
  "stage",
  "workload",
  "snapshot",
  "restoreRun",
  "schedule",
  "alertTarget",
  "storageTarget",
  "snapshotCopy",
  "testRestore",
] as const;
export type Entity = (typeof ENTITIES)[number];

/** What `action-failed` names: the container operation that failed (an ICU select value). */
export const CONTAINER_ACTIONS = ["prepareVolume", "pullImage", "start", "stop", "readMounts", "remove", "readLogs"] as const;
export type ContainerAction = (typeof CONTAINER_ACTIONS)[number];

type ParamsOf<R extends ErrorReason> = { [K in (typeof ERROR_REASONS)[R][number]]: K extends "cause" ? ErrorReason | "" : string | number };

/** A reason with the params it needs (none for reasons without params). */
export type Because = {
  [R in ErrorReason]: (typeof ERROR_REASONS)[R] extends readonly []
    ? { reason: R; params?: undefined }
    : { reason: R; params: ParamsOf<R> & ErrorParams };
}[ErrorReason];
