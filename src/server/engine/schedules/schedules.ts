import type { Schedule, ScheduleRun } from "~/generated/prisma/client";
import { decodeReason } from "~/shared/encoded-reason";
import type { ErrorParams } from "~/shared/error-reasons";
import type { RetentionPolicy } from "~/shared/retention";
import { cronProblem, isScheduleRunOutcome, nextDueTimes, type ScheduleRunOutcome } from "~/shared/schedules";
import type { Actor } from "../actor";
import { audited, recordAudit } from "../audit";
import type { EngineDeps } from "../deps";
import { badRequest, notFound } from "../errors";
import { ensureDefaultRetention, setRetention } from "../retention/retention";
import { assertTimeZone } from "../time-zone";
import { startScheduleRun } from "./schedule-run";

export interface ScheduleRunView {
  id: string;
  scheduleId: string | null;
  workloadId: string;
  /** the due time the run is for; null for "run now" */
  dueAt: Date | null;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** null while queued or running */
  outcome: ScheduleRunOutcome | null;
  snapshotId: string | null;
  reason: string | null;
  params: ErrorParams;
  /** English, for API clients */
  message: string | null;
  pruned: number;
  pruneFailed: boolean;
}

export interface ScheduleView {
  id: string;
  workloadId: string;
  cron: string;
  timezone: string;
  quiesce: boolean;
  enabled: boolean;
  /** null while paused */
  nextRunAt: Date | null;
  lastRun: ScheduleRunView | null;
  /** a run is queued or running in this server now */
  active: boolean;
}

export function runView(row: ScheduleRun): ScheduleRunView {
  const detail = row.detail ? decodeReason(row.detail) : null;
  return {
    id: row.id,
    scheduleId: row.scheduleId,
    workloadId: row.workloadId,
    dueAt: row.dueAt,
    queuedAt: row.queuedAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    outcome: isScheduleRunOutcome(row.outcome) ? row.outcome : null,
    snapshotId: row.snapshotId,
    reason: detail?.reason ?? null,
    params: detail?.params ?? {},
    message: detail?.message ?? null,
    pruned: row.pruned,
    pruneFailed: row.pruneFailed,
  };
}

/** The next due time after the later of the last one handled and `now`: what the scheduler will run. */
export function nextRunAt(schedule: Pick<Schedule, "cron" | "timezone" | "enabled" | "lastDueAt">, now: Date): Date | null {
  if (!schedule.enabled) return null;
  const [next] = nextDueTimes(schedule.cron, schedule.timezone, new Date(Math.max(schedule.lastDueAt.getTime(), now.getTime())));
  return next ?? null;
}

export async function listSchedules(deps: EngineDeps, _viewer: Actor, filter: { workloadId?: string } = {}): Promise<ScheduleView[]> {
  const rows = await deps.db.schedule.findMany({
    where: filter.workloadId ? { workloadId: filter.workloadId } : {},
    orderBy: { createdAt: "asc" },
    include: { runs: { orderBy: { queuedAt: "desc" }, take: 1 } },
  });
  const now = deps.clock.now();
  return rows.map(({ runs, ...row }) => ({
    id: row.id,
    workloadId: row.workloadId,
    cron: row.cron,
    timezone: row.timezone,
    quiesce: row.quiesce,
    enabled: row.enabled,
    nextRunAt: nextRunAt(row, now),
    lastRun: runs[0] ? runView(runs[0]) : null,
    active: deps.schedules.isActive(row.id),
  }));
}

/** The workload's recent scheduled runs, newest first. */
export async function listScheduleRuns(deps: EngineDeps, _viewer: Actor, input: { workloadId: string; limit?: number }) {
  const rows = await deps.db.scheduleRun.findMany({
    where: { workloadId: input.workloadId },
    orderBy: { queuedAt: "desc" },
    take: input.limit ?? 20,
  });
  return rows.map(runView);
}

export interface ScheduleInput {
  id?: string;
  workloadId: string;
  cron: string;
  timezone?: string;
  quiesce?: boolean;
  enabled?: boolean;
  /** the workload's retention policy, saved with the schedule */
  retention?: RetentionPolicy;
}

/**
 * Creates or changes a schedule. Times are counted from now whenever the expression, its
 * zone or its pause changes: an edit never fires the runs the old settings would have had.
 * The workload's first schedule brings the default retention policy unless one is given.
 */
export async function upsertSchedule(deps: EngineDeps, actor: Actor, input: ScheduleInput): Promise<ScheduleView> {
  const cron = input.cron.trim().replace(/\s+/g, " ");
  const problem = cronProblem(cron);
  if (problem) throw badRequest(`Invalid cron expression "${cron}"`, { reason: "schedule-cron-invalid", params: { problem } });
  const timezone = input.timezone ?? "UTC";
  assertTimeZone(timezone);
  if (!(await deps.db.workload.findUnique({ where: { id: input.workloadId }, select: { id: true } }))) throw notFound("workload");
  const existing = input.id ? await deps.db.schedule.findUnique({ where: { id: input.id } }) : null;
  if (input.id && (!existing || existing.workloadId !== input.workloadId)) throw notFound("schedule");

  const fields = {
    cron,
    timezone,
    quiesce: input.quiesce ?? existing?.quiesce ?? false,
    enabled: input.enabled ?? existing?.enabled ?? true,
  };
  const timingChanged = !existing || existing.cron !== cron || existing.timezone !== timezone || (fields.enabled && !existing.enabled);
  const action = existing ? "schedule.update" : "schedule.create";
  const row = await audited(
    deps,
    actor,
    { action, target: input.id ?? input.workloadId, detail: { workloadId: input.workloadId, ...fields } },
    async () => {
      const now = deps.clock.now();
      const data = { ...fields, ...(timingChanged ? { lastDueAt: now, timedFrom: now } : {}) };
      const saved = existing
        ? await deps.db.schedule.update({ where: { id: existing.id }, data })
        : await deps.db.schedule.create({ data: { ...fields, workloadId: input.workloadId, lastDueAt: now, timedFrom: now } });
      return saved;
    },
    (saved) => ({ target: saved.id }),
  );
  if (input.retention) await setRetention(deps, actor, { workloadId: input.workloadId, policy: input.retention });
  else await ensureDefaultRetention(deps, input.workloadId, timezone);
  deps.schedules.wake();
  return (await listSchedules(deps, actor, { workloadId: input.workloadId })).find((s) => s.id === row.id)!;
}

export async function deleteSchedule(deps: EngineDeps, actor: Actor, input: { id: string }): Promise<void> {
  const row = await deps.db.schedule.findUnique({ where: { id: input.id } });
  if (!row) throw notFound("schedule");
  await audited(deps, actor, { action: "schedule.delete", target: input.id, detail: { workloadId: row.workloadId } }, () =>
    deps.db.schedule.delete({ where: { id: input.id } }),
  );
  deps.schedules.wake();
}

/** Queues a run of the schedule at once (kind `scheduled`, its retention after), whether paused or not. */
export async function runScheduleNow(deps: EngineDeps, actor: Actor, input: { id: string }): Promise<{ runId: string }> {
  const schedule = await deps.db.schedule.findUnique({ where: { id: input.id } });
  if (!schedule) throw notFound("schedule");
  // A run now is never refused by the database (no due time), so it is always recorded.
  const runId = (await startScheduleRun(deps, actor, schedule, null))!;
  await recordAudit(deps.db, actor, { action: "schedule.run-now", target: input.id, outcome: "success", detail: { runId } });
  return { runId };
}
