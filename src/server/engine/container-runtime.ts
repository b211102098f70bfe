// The engine's view of a container engine; src/server/docker implements it with dockerode,
// test/support/memory-runtime.ts in memory for fast tests of the workload rules.
import { DomainError } from "./errors";

/**
 * Which container: the one Berth created for `workloadId` (found by its `berth.workload`
 * label, so a renamed or foreign container is never mistaken for it); `name` is the name a
 * new one gets.
 */
export interface ContainerRef {
  name: string;
  workloadId: string;
}

export interface ContainerMount {
  type: "bind" | "volume";
  /** bind: an absolute, already resolved host path; volume: a Docker volume name */
  source: string;
  target: string;
  readOnly: boolean;
}

export interface ContainerSpec extends ContainerRef {
  image: string;
  command: string[];
  env: Record<string, string>;
  /** passed as structured mounts, never as `src:dst:opts` strings */
  mounts: ContainerMount[];
  ports: { hostPort: number; containerPort: number; protocol: "tcp" | "udp" }[];
  restartPolicy: "no" | "always" | "unless-stopped" | "on-failure";
  labels: Record<string, string>;
}

export type ContainerState =
  | { state: "running"; startedAt: string }
  | { state: "exited"; exitCode: number; finishedAt: string }
  | { state: "created" | "paused" | "restarting" | "removing" | "dead" }
  | { state: "missing" }
  | { state: "unreachable"; reason: string };

/** What a health probe learned; `reason` names host paths (a socket), so it is for the server log only. */
export type RuntimeStatus = { reachable: true; version: string; apiVersion: string } | { reachable: false; reason: string };

export const OWNER_LABEL = "berth.workload";
export const MANAGED_VOLUME_LABEL = "berth.managed";
/** Marks a test restore's throwaway container (value: the test restore's id); it never has OWNER_LABEL. */
export const SANDBOX_LABEL = "berth.test-restore";

/**
 * A test restore's throwaway container: no network ("none" whatever BERTH_DOCKER_NETWORK
 * says), no published ports, no restart policy, no new privileges, a limit on its processes
 * and memory, labelled SANDBOX_LABEL=testRestoreId only.
 */
export interface SandboxSpec {
  testRestoreId: string;
  name: string;
  image: string;
  command: string[];
  env: Record<string, string>;
  mounts: ContainerMount[];
}

/** A command run in a sandbox; `exitCode` is null when it had not finished within its timeout. */
export interface ExecResult {
  exitCode: number | null;
  /** stdout and stderr as they came, its last EXEC_OUTPUT_MAX bytes */
  output: string;
}

export const EXEC_OUTPUT_MAX = 64 * 1024;

/** One line of a container's log; `time` is Docker's, RFC 3339 UTC with nine fraction digits (so strings sort by time). */
export interface LogLine {
  time: string;
  stream: "stdout" | "stderr";
  text: string;
}

/** Which lines: the last `tail` of them, only those written after `since` (a LogLine's `time`). */
export interface LogQuery {
  tail: number;
  since?: string;
}

/** A container's whole log as text, each line `<time> <text>`, its newest `maxBytes` when longer. */
export interface LogDownload {
  body: AsyncIterable<Buffer>;
  /** true when older lines were left out to stay within `maxBytes`; known once `body` has been read to its end (one pass) */
  readonly truncated: boolean;
}

/** What `docker stats` and `docker inspect` tell about the workload's container. */
export interface ContainerStats {
  running: boolean;
  /** of one CPU (200 = two CPUs busy), from a one-second sample; null when not running */
  cpuPercent: number | null;
  /** used memory without the page cache that can be dropped (as `docker stats` counts it); null when not running */
  memoryBytes: number | null;
  /** the container's limit, or the host's memory when it has none; null when not running */
  memoryLimitBytes: number | null;
  restartCount: number;
  /** RFC 3339; null when it never started */
  startedAt: string | null;
  /** when it last stopped; null while running or when it never stopped */
  finishedAt: string | null;
}

/** What every runtime throws when `recreate` finds its name held by a container that is not the workload's. */
export const containerNameTaken = (name: string) =>
  new DomainError(
    "CONFLICT",
    `A container named ${name} already exists and was not created by Berth for this workload; Berth leaves it alone`,
    { reason: "container-name-taken", params: { name } },
  );

/** What every runtime throws when `ensureImage` can neither find nor pull the image; the registry's words stay in `cause`. */
export const imagePullFailed = (image: string, cause?: unknown) =>
  new DomainError("PRECONDITION_FAILED", `Image ${image} is not on this host and could not be pulled`, {
    cause,
    reason: "image-pull-failed",
    params: { image },
  });

export interface ContainerRuntime {
  /** Whether the engine answers, within a couple of seconds; never throws (safe for /api/health). */
  probe(): Promise<RuntimeStatus>;
  /** Makes the image available locally, pulling it if needed; throws a user-readable Error on failure. */
  ensureImage(image: string): Promise<void>;
  /**
   * Removes the workload's container(s) (whatever their name), then creates and starts a new
   * one. Refuses, touching nothing, when `name` is taken by a container Berth did not create
   * for this workload.
   */
  recreate(spec: ContainerSpec): Promise<{ id: string }>;
  start(ref: ContainerRef): Promise<void>;
  /** Stops if running; a missing container is not an error. */
  stop(ref: ContainerRef): Promise<void>;
  /** Removes if present; a missing container is not an error. */
  remove(ref: ContainerRef): Promise<void>;
  inspect(ref: ContainerRef): Promise<ContainerState>;
  /** The log's lines, oldest first; none when there is no container. */
  logs(ref: ContainerRef, query: LogQuery): Promise<LogLine[]>;
  /** The whole log for a download (stdout and stderr as they came), or null when there is no container. */
  downloadLogs(ref: ContainerRef, opts: { maxBytes: number }): Promise<LogDownload | null>;
  /** Null when there is no container. Takes about a second while it runs (Docker samples the CPU twice). */
  stats(ref: ContainerRef): Promise<ContainerStats | null>;
  /** The host folders bind-mounted into each container Berth created, by workload. */
  mountedFolders(): Promise<{ workloadId: string; sources: string[] }[]>;
  /** A named volume's labels, or null when it does not exist. */
  volumeLabels(name: string): Promise<Record<string, string> | null>;
  createVolume(name: string, labels: Record<string, string>): Promise<void>;

  // Test restores' sandboxes. Every call below finds its container by name AND SANDBOX_LABEL:
  // a container without the label (a workload's, someone else's) is never run in or removed.
  /** Creates and starts the sandbox; refuses (containerNameTaken) a name held by another container. */
  runSandbox(spec: SandboxSpec): Promise<void>;
  /** Runs `argv` in the running sandbox, as its image's user. */
  exec(name: string, argv: string[], opts: { timeoutMs: number }): Promise<ExecResult>;
  sandboxState(name: string): Promise<ContainerState>;
  sandboxLogs(name: string, tail: number): Promise<string>;
  /** Removes it, running or not; a missing one is fine. */
  removeSandbox(name: string): Promise<void>;
  /** The test restore ids of every sandbox container on the engine. */
  listSandboxes(): Promise<string[]>;
}
