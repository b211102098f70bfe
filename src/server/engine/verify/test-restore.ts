// Test restores (issue #16, item 4): a snapshot extracted into a sandbox folder, a throwaway
// container of the workload's image on it (no network, no ports), an optional check command.
// Proves a snapshot can be restored without touching the live data or the live container.
import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { TestRestore } from "~/generated/prisma/client";
import type { EngineDeps } from "~/server/engine/deps";
import { decodeReason, encodeReason } from "~/shared/encoded-reason";

import { type ErrorParams, type ErrorReason, isErrorReason } from "~/shared/error-reasons";
import { SECRET_MASK } from "~/shared/secret-mask";
import { TEST_COMMAND_MAX, type TestRestoreOutcome } from "~/shared/storage";
import type { Actor } from "../actor";
import { notifyAlert } from "../alerts/notify";
import { extractVerified, fileSpecialBitsFor } from "../archive/verified-extract";
import { audited } from "../audit";
import type { ContainerState } from "../container-runtime";
import { badRequest, conflict, DomainError } from "../errors";
import type { OperationHandle } from "../operations";
import { causeParams, publicFailure } from "../public-error";
import { removeTree } from "../remove-tree";
import { checkFreeSpace, extractedNeed, FREE_SPACE_MARGIN } from "../restore/free-space";
import { mapSnapshotVolumes } from "../restore/pre-flight";
import type { SecretBox } from "../secret-box";
import { assertSnapshotFile, getSnapshotRow, type SnapshotManifestSummary } from "../snapshots/snapshot-store";
import { containerEnv, type StoredEnvVar } from "../workloads/workload-config";
import { type LoadedWorkload, loadWorkload } from "../workloads/workloads";

/** How long a check command may keep failing (it is retried every second) before the test restore fails. */
/** Without a check command: the container must still run (or have exited with 0) this long after its start. */
export const TEST_RESTORE_SETTLE_MS = 3_000;
const CHECK_INTERVAL_MS = 1_000;
/** What a row keeps of the check's output (or the container's log): its last 4 KiB. */
const OUTPUT_MAX = 4096;
const LOG_TAIL_LINES = 100;
const LIST_LIMIT = 20;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export const sandboxesRoot = (dataDir: string) => path.join(dataDir, "sandboxes");
export const sandboxName = (testRestoreId: string) => `berth-test-restore-${testRestoreId}`;

export interface TestRestoreView {
  id: string;
  workloadId: string;
  snapshotId: string;
  command: string | null;
  actor: string;
  startedAt: Date;
  finishedAt: Date | null;
  /** null while it runs */
  outcome: TestRestoreOutcome | null;
  exitCode: number | null;
  /** the check's output, or the container's log; its last 4 KiB */
  output: string;
  /** why it failed (or was interrupted), as a code the UI translates */
  reason?: ErrorReason;
  params?: ErrorParams;
}

export interface TestRestoreRequest {
  /** the snapshot's id */
  id: string;
  /** one shell line run in the container (`sh -c`) until it exits 0; empty or absent: none */
  command?: string;
}

interface Failure {
  reason: ErrorReason;
  params: ErrorParams;
  message: string;
}

interface Ending {
  outcome: "passed" | "failed";
  exitCode: number | null;
  output: string;
  failure?: Failure;
}

/**
 * Test-restores a snapshot: refuses (throws) before any work when the file is missing, the
 * command is invalid, the disk is too full or another test restore of the workload runs.
 * Everything after that ends in the returned row, passed or failed, never in a throw; the
 * sandbox container and folder are removed whatever happened.
 */
export async function testRestore(deps: EngineDeps, actor: Actor, input: TestRestoreRequest): Promise<TestRestoreView> {
  const command = checkedCommand(input.command);
  const snapshot = await getSnapshotRow(deps.db, input.id);
  const workload = await loadWorkload(deps.db, snapshot.workloadId);
  if (workload.config.sourceKind !== "image") throw badRequest("Only image workloads can be restored", { reason: "restore-needs-image" });
  const file = await assertSnapshotFile(deps.dataDir, snapshot);
  const manifest = JSON.parse(snapshot.manifest) as SnapshotManifestSummary;
  // What a restore would refuse (a volume no longer a writable bind at its target), a test restore refuses too.
  const { mapped } = await mapSnapshotVolumes(deps, workload, manifest);
  const secrets = secretValues(workload.config.env, deps.secrets);
  const id = randomUUID();
  const sandbox = path.join(sandboxesRoot(deps.dataDir), id);
  await checkFreeSpace(manifest.volumes.map((v) => ({ dir: sandbox, ...extractedNeed(v), what: v.target })));
  const row = await claim(deps, {
    id,
    workloadId: snapshot.workloadId,
    snapshotId: snapshot.id,
    command: command === null ? null : masked(command, secrets),
    actor: actor.label,
    startedAt: deps.clock.now(),
  });
  const job: Job = {
    id,
    name: sandboxName(id),
    sandbox,
    file,
    snapshot,
    manifest,
    mounts: mapped.map((m) => ({ index: m.manifestVolume.index, target: m.current.target })),
    workload,
    command,
    secrets,
    checkTimeoutMs: deps.testRestoreCheckMs,
  };
  return audited(
    deps,
    actor,
    { action: "snapshot.testRestore", target: snapshot.id, detail: { testRestoreId: id } },
    () => run(deps, job, row),
    (view) => ({ detail: { testRestoreId: id, outcome: view.outcome } }),
  );
}

function checkedCommand(raw: string | undefined): string | null {
  const command = (raw ?? "").trim();
  if (command.length > TEST_COMMAND_MAX || ["\0", "\r", "\n"].some((c) => command.includes(c))) {
    throw badRequest(`The check command must be one line of at most ${TEST_COMMAND_MAX} characters`, {
      reason: "test-command-invalid",
      params: { max: TEST_COMMAND_MAX },
    });
  }
  return command === "" ? null : command;
}

/**
 * The opened values of the workload's secret env vars, longest first (a secret inside another
 * is not left half shown). The sandbox gets them in clear, but what it prints and the command
 * are shown to viewers: both are stored with these values masked. A secret this server's key
 * cannot open never reaches the container, so there is nothing of it to mask.
 */
function secretValues(env: StoredEnvVar[], box: SecretBox): string[] {
  const values = env
    .filter((e) => e.secret)
    .flatMap((e) => {
      try {
        return [containerEnv([e], box)[e.key] ?? ""];
      } catch (error) {
        if (error instanceof DomainError) return [];
        throw error;
      }
    });
  return values.filter((v) => v !== "").sort((a, b) => b.length - a.length);
}

const masked = (text: string, secrets: string[]) => secrets.reduce((t, value) => t.replaceAll(value, SECRET_MASK), text);

/** One test restore per workload at a time: the row with no outcome is the claim, checked and made in one transaction. */
function claim(deps: EngineDeps, data: Pick<TestRestore, "id" | "workloadId" | "snapshotId" | "command" | "actor" | "startedAt">) {
  return deps.db.$transaction(async (tx) => {
    if (await tx.testRestore.findFirst({ where: { workloadId: data.workloadId, outcome: null }, select: { id: true } })) {
      throw conflict("A test restore of this workload is running; try again when it has finished", { reason: "test-restore-running" });
    }
    return tx.testRestore.create({ data });
  });
}

interface Job {
  id: string;
  /** the sandbox container's name */
  name: string;
  /** <dataDir>/sandboxes/<id>: one folder per manifest volume inside */
  sandbox: string;
  file: string;
  snapshot: Awaited<ReturnType<typeof getSnapshotRow>>;
  manifest: SnapshotManifestSummary;
  /** where each manifest volume goes in the container: its target in the workload's current config */
  mounts: { index: number; target: string }[];
  workload: LoadedWorkload;
  /** as typed, run as is; the row holds it masked */
  command: string | null;
  /** the opened secret env values, masked in what is stored */
  secrets: string[];
  checkTimeoutMs: number;
}

async function run(deps: EngineDeps, job: Job, row: TestRestore): Promise<TestRestoreView> {
  const bytesTotal = job.manifest.volumes.reduce((sum, v) => sum + v.bytes, 0);
  const op = deps.operations.start(job.id, job.workload.config.id, "test-restore", bytesTotal);
  let ending: Ending;
  try {
    ending = await sandboxCheck(deps, job, op, bytesTotal);
  } catch (error) {
    deps.log.warn({ err: error, testRestoreId: job.id }, "test restore failed");
    ending = { outcome: "failed", exitCode: null, output: "", failure: failureOf(error) };
  } finally {
    await removeSandbox(deps, job.id);
  }
  // After the cleanup: while the row has no outcome, no other test restore of the workload starts.
  const result = {
    finishedAt: deps.clock.now(),
    outcome: ending.outcome,
    exitCode: ending.exitCode,
    // Masked before it is cut: a cut must not leave a secret's tail that no longer matches.
    output: lastBytes(masked(ending.output, job.secrets)),
    detail: ending.failure ? encodeReason(ending.failure) : null,
  };
  // updateMany: a workload deleted meanwhile took the row with it.
  await deps.db.testRestore.updateMany({ where: { id: row.id }, data: result });
  op.finish(ending.failure);
  const about = {
    workload: { id: row.workloadId, name: job.workload.config.name },
    snapshotId: row.snapshotId,
    runId: row.id,
    at: result.finishedAt,
  };
  notifyAlert(
    deps,
    ending.failure
      ? { ...about, ...ending.failure, event: "test-restore-failed", message: `Test restore failed: ${ending.failure.message}` }
      : { ...about, event: "test-restore-succeeded", message: "Test restore passed" },
  );
  return testRestoreView({ ...row, ...result });
}

/** Extract, start, check; a step that fails ends it (returned, not thrown, where the step is known). */
async function sandboxCheck(deps: EngineDeps, job: Job, op: OperationHandle, bytesTotal: number): Promise<Ending> {
  op.progress({ phase: "extracting" });
  try {
    await fs.mkdir(sandboxesRoot(deps.dataDir), { recursive: true, mode: 0o700 });
    await fs.mkdir(job.sandbox, { mode: 0o700 });
    const targets = new Map<number, string>();
    for (const v of job.manifest.volumes) {
      const dir = path.join(job.sandbox, String(v.index));
      await fs.mkdir(dir, { mode: 0o700 });
      targets.set(v.index, dir);
    }
    await extractVerified(job.file, job.snapshot.sha256, {
      targets,
      fileSpecialBits: fileSpecialBitsFor(job.snapshot),
      minFree: FREE_SPACE_MARGIN,
      onProgress: (p) =>
        op.progress({
          bytesDone: p.bytesDone,
          bytesTotal,
          volume: job.manifest.volumes.find((v) => v.index === p.volumeIndex)?.target,
        }),
    });
  } catch (error) {
    deps.log.warn({ err: error, testRestoreId: job.id }, "test restore: extracting the snapshot failed");
    return { outcome: "failed", exitCode: null, output: "", failure: failureOf(error) };
  }

  op.progress({ phase: "starting" });
  const w = job.workload.config;
  try {
    await deps.runtime.ensureImage(w.image);
    await deps.runtime.runSandbox({
      testRestoreId: job.id,
      name: job.name,
      image: w.image,
      command: w.command,
      env: containerEnv(w.env, deps.secrets),
      // Only what the snapshot holds, where a restore would put it: the workload's other volumes are not mounted.
      mounts: job.mounts.map((m) => ({
        type: "bind" as const,
        source: path.join(job.sandbox, String(m.index)),
        target: m.target,
        readOnly: false,
      })),
    });
  } catch (error) {
    deps.log.warn({ err: error, testRestoreId: job.id }, "test restore: starting the container failed");
    const cause = publicFailure(error);
    return {
      outcome: "failed",
      exitCode: null,
      output: "",
      failure: {
        reason: "test-restore-start-failed",
        params: causeParams(cause),
        message: `The test container could not be started: ${cause.message}`,
      },
    };
  }

  op.progress({ phase: "checking" });
  return job.command === null ? settle(deps, job) : check(deps, job, job.command);
}

/** Runs the command every second until it exits 0, the container stops, or the time is up. */
async function check(deps: EngineDeps, job: Job, command: string): Promise<Ending> {
  const deadline = deps.clock.now().getTime() + job.checkTimeoutMs;
  for (;;) {
    const stopped = await stoppedEnding(deps, job);
    if (stopped) return stopped;
    const remaining = deadline - deps.clock.now().getTime();
    const result = await deps.runtime
      .exec(job.name, ["sh", "-c", command], { timeoutMs: Math.max(remaining, CHECK_INTERVAL_MS) })
      .catch(async (error: unknown) => {
        // Docker refuses an exec into a container that has just stopped: that is the container's failure.
        if (await stoppedEnding(deps, job)) return null;
        throw error;
      });
    if (result === null) continue;
    if (result.exitCode === 0) return { outcome: "passed", exitCode: 0, output: result.output };
    if (deps.clock.now().getTime() >= deadline) {
      if (result.exitCode === null) {
        const seconds = Math.round(job.checkTimeoutMs / 1000);
        deps.log.warn({ testRestoreId: job.id, seconds }, "test restore: the check command did not finish in time");
        return {
          outcome: "failed",
          exitCode: null,
          output: result.output,
          failure: {
            reason: "test-restore-check-timeout",
            params: { seconds },
            message: `The check command did not finish within ${seconds} s`,
          },
        };
      }
      return {
        outcome: "failed",
        exitCode: result.exitCode,
        output: result.output,
        failure: {
          reason: "test-restore-check-failed",
          params: { exitCode: result.exitCode },
          message: `The check command failed (exit code ${result.exitCode})`,
        },
      };
    }
    await pause(deps, Math.min(CHECK_INTERVAL_MS, deadline - deps.clock.now().getTime()));
  }
}

/** No command: the container passes when it still runs after a while, or has exited with 0. */
async function settle(deps: EngineDeps, job: Job): Promise<Ending> {
  await pause(deps, TEST_RESTORE_SETTLE_MS);
  const state = await deps.runtime.sandboxState(job.name);
  if (state.state === "running" || (state.state === "exited" && state.exitCode === 0)) {
    const exitCode = state.state === "exited" ? 0 : null;
    return { outcome: "passed", exitCode, output: await deps.runtime.sandboxLogs(job.name, LOG_TAIL_LINES) };
  }
  return (await stoppedEnding(deps, job, state))!;
}

/** The failure of a container that is no longer running (its log's tail as the output), or null while it runs. */
async function stoppedEnding(deps: EngineDeps, job: Job, known?: ContainerState): Promise<Ending | null> {
  const state = known ?? (await deps.runtime.sandboxState(job.name));
  if (state.state === "running") return null;
  const output = await deps.runtime.sandboxLogs(job.name, LOG_TAIL_LINES);
  if (state.state !== "exited") {
    deps.log.warn({ testRestoreId: job.id, state: state.state }, "test restore: the container is not running");
    return { outcome: "failed", exitCode: null, output, failure: genericFailure };
  }
  return {
    outcome: "failed",
    exitCode: state.exitCode,
    output,
    failure: {
      reason: "test-restore-container-exited",
      params: { exitCode: state.exitCode },
      message: `The test container stopped on its own (exit code ${state.exitCode})`,
    },
  };
}

const genericFailure: Failure = {
  reason: "test-restore-failed",
  params: {},
  message: "The test restore failed (details are in the server log)",
};

/** A failure's code and English for the row and the alert: the DomainError's own, a known errno's, or the generic one. */
function failureOf(error: unknown): Failure {
  const failure = publicFailure(error);
  if (!failure.reason || failure.reason === "unexpected") return genericFailure;
  return { reason: failure.reason, params: failure.params, message: failure.message };
}

const pause = (deps: EngineDeps, ms: number) => new Promise<void>((resolve) => deps.clock.setTimer(resolve, ms));

/** The last OUTPUT_MAX bytes of UTF-8, without a character cut in half at the start. */
function lastBytes(text: string): string {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= OUTPUT_MAX) return text;
  return bytes
    .subarray(bytes.length - OUTPUT_MAX)
    .toString("utf8")
    .replace(/^\uFFFD+/, "");
}

/** The container first (it mounts the folders), then the folders; what fails is logged and left for the next start. */
async function removeSandbox(deps: EngineDeps, testRestoreId: string): Promise<void> {
  await deps.runtime.removeSandbox(sandboxName(testRestoreId)).catch((error: unknown) => {
    deps.log.warn({ err: error, testRestoreId }, "test restore: removing its container failed");
  });
  await removeTree(path.join(sandboxesRoot(deps.dataDir), testRestoreId)).catch((error: unknown) => {
    deps.log.warn({ err: error, testRestoreId }, "test restore: removing its sandbox folder failed");
  });
}

function testRestoreView(row: TestRestore): TestRestoreView {
  const failure = row.detail ? decodeReason(row.detail) : null;
  return {
    id: row.id,
    workloadId: row.workloadId,
    snapshotId: row.snapshotId,
    command: row.command,
    actor: row.actor,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    outcome: row.outcome as TestRestoreOutcome | null,
    exitCode: row.exitCode,
    output: row.output,
    ...(failure && isErrorReason(failure.reason) ? { reason: failure.reason, params: failure.params ?? {} } : {}),
  };
}

/** A workload's test restores, newest first. */
export async function listTestRestores(deps: EngineDeps, _viewer: Actor, input: { workloadId: string }): Promise<TestRestoreView[]> {
  const rows = await deps.db.testRestore.findMany({
    where: { workloadId: input.workloadId },
    orderBy: [{ startedAt: "desc" }, { id: "desc" }],
    take: LIST_LIMIT,
  });
  return rows.map(testRestoreView);
}

/**
 * At boot, before anything else runs: test restores the server stopped during are marked
 * interrupted, and every sandbox container and folder left behind is removed. Idempotent.
 */
export async function recoverTestRestores(deps: EngineDeps): Promise<{ interrupted: number; containers: number; folders: number }> {
  const interrupted = await deps.db.testRestore.updateMany({
    where: { outcome: null },
    data: {
      outcome: "interrupted",
      finishedAt: deps.clock.now(),
      detail: encodeReason({
        reason: "test-restore-interrupted",
        params: {},
        message: "The server stopped during the test restore; its sandbox was removed",
      }),
    },
  });
  let containers = 0;
  try {
    for (const id of await deps.runtime.listSandboxes()) {
      // Only names Berth could have made: a label's value is not trusted into an API path.
      if (!ID.test(id)) {
        deps.log.warn({ testRestoreId: id }, "test restore recovery: a sandbox label that Berth did not write; left alone");
        continue;
      }
      await deps.runtime.removeSandbox(sandboxName(id));
      containers++;
    }
  } catch (error) {
    // Docker down at boot: the folders still go; the containers at the next start.
    deps.log.warn({ err: error }, "test restore recovery: removing sandbox containers failed");
  }
  const root = sandboxesRoot(deps.dataDir);
  const names = await fs.readdir(root).catch((error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? [] : Promise.reject(error)));
  for (const name of names) await removeTree(path.join(root, name));
  return { interrupted: interrupted.count, containers, folders: names.length };
}
