import { randomUUID } from "node:crypto";
import type { Schedule } from "~/generated/prisma/client";
import { encodeReason } from "~/shared/encoded-reason";
import type { Actor } from "../actor";
import { notifyAlert } from "../alerts/notify";
import type { EngineDeps } from "../deps";
import { publicFailure, type PublicFailure } from "../public-error";
import { pruneWorkload } from "../retention/retention";
import { createSnapshot } from "../snapshots/capture";
import { checkSnapshotDisk } from "../snapshots/snapshot-disk";
import { containerRef, loadWorkload, workloadLockKey } from "../workloads/workloads";

type RunnableSchedule = Pick<Schedule, "id" | "workloadId" | "quiesce">;

// Run history kept per workload (the dashboard and the runs list read the newest).
const RUNS_KEPT = 200;

/**
 * Starts one run of a schedule (for its due time, or null for "run now") in the background;
 * resolves with its id once it is recorded, or null when a due-time run is not wanted: its
 * due time was started already, or its schedule was paused or deleted during `wait` (the
 * scheduler's random delay). Refused (CONFLICT), before anything, while the schedule has a run
 * queued or running.
 */
export function startScheduleRun(
  deps: EngineDeps,
  actor: Actor,
  schedule: RunnableSchedule,
  dueAt: Date | null,
  wait?: () => Promise<void>,
): Promise<string | null> {
  let recorded!: (id: string | null) => void;
  let refused!: (error: unknown) => void;
  const started = new Promise<string | null>((resolve, reject) => ([recorded, refused] = [resolve, reject]));
  const starting = deps.schedules.start(schedule.id, dueAt, async () => {
    const id = randomUUID();
    try {
      let { quiesce } = schedule;
      if (wait) {
        await wait();
        const now = await deps.db.schedule.findUnique({ where: { id: schedule.id } });
        if (!now?.enabled) return recorded(null);
        quiesce = now.quiesce;
      }
      await deps.db.scheduleRun.create({ data: { id, scheduleId: schedule.id, workloadId: schedule.workloadId, dueAt, quiesce } });
      recorded(id);
    } catch (error) {
      return refused(error);
    }
    try {
      await runSchedule(deps, actor, schedule, dueAt, id);
    } catch (error) {
      // Only the bookkeeping can fail here (the capture's own failure is an outcome): close the
      // run so its due time is not tried again and again, and say so.
      deps.log.error({ err: error, scheduleId: schedule.id, runId: id }, "schedule: a run could not be recorded");
      await finishRun(deps, schedule, dueAt, id, { failure: publicFailure(error), pruned: 0 }).catch(() => undefined);
    }
    deps.schedules.wake();
  });
  return starting ? started : Promise.resolve(null);
}

/**
 * One run: wait for a capture slot, capture (kind `scheduled`, under the workload's lock),
 * prune by the workload's retention policy, record the outcome, then tell the alert targets.
 */
async function runSchedule(deps: EngineDeps, actor: Actor, schedule: RunnableSchedule, dueAt: Date | null, runId: string) {
  const captured = await deps.schedules.inCaptureSlot(async () => {
    const run = await deps.db.scheduleRun.update({ where: { id: runId }, data: { startedAt: new Date() } });
    try {
      const snapshot = await createSnapshot(deps, actor, { workloadId: schedule.workloadId, quiesce: run.quiesce, kind: "scheduled" });
      return { snapshotId: snapshot.id };
    } catch (error) {
      deps.log.warn({ err: error, scheduleId: schedule.id, runId }, "schedule: the capture failed");
      return { failure: publicFailure(error) };
    }
  });

  let pruned = 0;
  let pruneFailure: PublicFailure | undefined;
  if ("snapshotId" in captured) {
    try {
      pruned = (await pruneWorkload(deps, actor, schedule.workloadId)).removed.length;
    } catch (error) {
      pruneFailure = publicFailure(error);
    }
  }
  await finishRun(deps, schedule, dueAt, runId, { ...captured, pruned, pruneFailure });
  await checkSnapshotDisk(deps);
}

interface RunResult {
  snapshotId?: string;
  failure?: PublicFailure;
  pruned: number;
  pruneFailure?: PublicFailure;
}

/**
 * Records how a run ended and, for a due-time run, moves the schedule's lastDueAt to it, in
 * one transaction: until then a crash leaves the run unfinished, and the next start makes it
 * up. Then the alert targets are told.
 */
async function finishRun(deps: EngineDeps, schedule: RunnableSchedule, dueAt: Date | null, runId: string, result: RunResult) {
  const { failure, pruneFailure } = result;
  await deps.db.$transaction([
    deps.db.scheduleRun.update({
      where: { id: runId },
      data: {
        finishedAt: new Date(),
        outcome: failure ? "failed" : "succeeded",
        snapshotId: result.snapshotId ?? null,
        detail: failure ? encodeReason({ reason: failure.reason ?? "unexpected", params: failure.params, message: failure.message }) : null,
        pruned: result.pruned,
        pruneFailed: Boolean(pruneFailure),
      },
    }),
    // Only forward: a run now finishing late must not move a later due time back.
    ...(dueAt ? [deps.db.schedule.updateMany({ where: { id: schedule.id, lastDueAt: { lt: dueAt } }, data: { lastDueAt: dueAt } })] : []),
  ]);
  await trimRunHistory(deps, schedule.workloadId);

  const workload = await deps.db.workload.findUnique({ where: { id: schedule.workloadId }, select: { id: true, name: true } });
  const about = { workload: workload ?? undefined, runId, at: new Date() };
  if (failure) {
    notifyAlert(deps, { ...about, event: "schedule-failed", message: `Scheduled snapshot failed: ${failure.message}`, ...codeOf(failure) });
  } else {
    notifyAlert(deps, { ...about, event: "schedule-succeeded", snapshotId: result.snapshotId, message: "Scheduled snapshot saved" });
  }
  if (pruneFailure) notifyAlert(deps, { ...about, event: "prune-failed", message: pruneFailure.message, ...codeOf(pruneFailure) });
}

const codeOf = (failure: PublicFailure) => ({ reason: failure.reason ?? "unexpected", params: failure.params });

async function trimRunHistory(deps: EngineDeps, workloadId: string): Promise<void> {
  const [oldestKept] = await deps.db.scheduleRun.findMany({
    where: { workloadId },
    orderBy: { queuedAt: "desc" },
    skip: RUNS_KEPT - 1,
    take: 1,
    select: { queuedAt: true },
  });
  if (oldestKept) await deps.db.scheduleRun.deleteMany({ where: { workloadId, queuedAt: { lt: oldestKept.queuedAt } } });
}

/**
 * At start: runs a stopped server left unfinished are recorded as interrupted. One that stopped
 * the containers for its capture may have died before starting them again: those of a workload
 * meant to run are started now (under its lock, only if not running).
 */
export async function recoverInterruptedRuns(deps: EngineDeps): Promise<number> {
  const unfinished = await deps.db.scheduleRun.findMany({ where: { outcome: null }, select: { workloadId: true, quiesce: true } });
  await deps.db.scheduleRun.updateMany({
    where: { outcome: null },
    data: {
      outcome: "interrupted",
      finishedAt: new Date(),
      detail: encodeReason({ reason: "schedule-run-interrupted", message: "The server stopped during this run" }),
    },
  });
  const stopped = new Set(unfinished.filter((r) => r.quiesce).map((r) => r.workloadId));
  for (const workloadId of stopped) {
    await deps.locks
      .run(workloadLockKey(workloadId), async () => {
        const workload = await loadWorkload(deps.db, workloadId);
        if (workload.config.desiredState !== "running") return;
        const ref = containerRef(workload);
        if ((await deps.runtime.inspect(ref)).state === "running") return;
        await deps.runtime.start(ref);
        deps.log.warn({ workloadId }, "schedule: started a container a capture cut short by a stop had stopped");
      })
      .catch((error: unknown) => deps.log.error({ err: error, workloadId }, "schedule: could not start a container again"));
  }
  return unfinished.length;
}
