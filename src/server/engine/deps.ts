import type { Db } from "../db";
import type { AlertDeliveries } from "./alerts/alert-deliveries";
import type { Clock } from "./clock";
import type { ContainerRuntime } from "./container-runtime";
import type { KeyedLock } from "./keyed-lock";
import type { OperationHub } from "./operations";
import type { RestoreTasks } from "./restore/restore-tasks";
import type { ScheduleTasks } from "./schedules/schedule-tasks";
import type { CopyTasks } from "./storage/copy-tasks";
import type { SecretBox } from "./secret-box";
import type { SignInLimiter } from "./sign-in";
import type { StatsCache } from "./workloads/stats-cache";

/** What the engine is configured with; validated once (src/server/settings.ts). */
export interface EngineSettings {
  /** absolute */
  dataDir: string;
  dockerHost?: string;
  /** the network new containers join (BERTH_DOCKER_NETWORK) */
  dockerNetwork: string;
  /** host folders a volume may name as an absolute source */
  absoluteRoots: string[];
  /** named volumes Berth did not create may be mounted */
  allowForeignVolumes: boolean;
  /** pre-restore snapshots kept per workload, newest first (pinned ones are kept besides) */
  preRestoreKeep: number;
  /** the largest import accepted, in bytes */
  importMaxBytes: number;
  /** scheduled captures running at once; more wait their turn in order (BERTH_MAX_CONCURRENT_CAPTURES) */
  maxConcurrentCaptures: number;
  /** a scheduled run starts up to this long after its due time, at random: runs sharing a minute spread out */
  scheduleJitterMs: number;
  /** the snapshot filesystem's free space, in percent, below which it counts as nearly full (alert, dashboard) */
  diskLowPercent: number;
  /** how often each workload's newest snapshot and its copies are verified again; 0: only on demand */
  verifyIntervalMs: number;
  /** how long a test restore's check command is tried until it succeeds (BERTH_TEST_RESTORE_CHECK_SECONDS) */
  testRestoreCheckMs: number;
}

/** Where the engine logs what it does not send to clients (host paths, Docker's text): pino's shape. */
export interface EngineLogger {
  info(detail: object, message: string): void;
  warn(detail: object, message: string): void;
  error(detail: object, message: string): void;
}

/**
 * Everything an engine function works with, passed in as its first parameter
 * (`fn(deps, actor, input)`); built in one place, src/server/create-engine-deps.ts. The
 * state that must be one per process (locks, progress, running restores, the sign-in
 * limiter) lives here too, never in a module's globals.
 */
export interface EngineDeps
  extends Readonly<Omit<EngineSettings, "dockerHost" | "dockerNetwork" | "maxConcurrentCaptures" | "verifyIntervalMs">> {
  readonly db: Db;
  /** now, and timers (the scheduler's); a test's own clock moves by hand */
  readonly clock: Clock;
  /** the one container engine client */
  readonly runtime: ContainerRuntime;
  readonly locks: KeyedLock;
  readonly operations: OperationHub;
  readonly restores: RestoreTasks;
  /** scheduled runs queued or running, and the capture slots they share */
  readonly schedules: ScheduleTasks;
  /** alert deliveries in flight and how they retry */
  readonly alerts: AlertDeliveries;
  /** off-host copies and verifications in flight, their back-off and the worker's wake-up */
  readonly copies: CopyTasks;
  readonly signInLimiter: SignInLimiter;
  /** containers' stats readings, shared by every caller for a few seconds (single-flight) */
  readonly stats: StatsCache;
  /** seals secret env values at rest (secret-box.ts) */
  readonly secrets: SecretBox;
  readonly log: EngineLogger;
}
