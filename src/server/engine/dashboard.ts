import type { ErrorParams } from "~/shared/error-reasons";
import { latestDueTime } from "~/shared/schedules";
import type { Actor } from "./actor";
import type { EngineDeps } from "./deps";
import { parseDetail } from "./restore/restore-runs";
import { nextRunAt, runView, type ScheduleRunView } from "./schedules/schedules";
import { snapshotDisk, type SnapshotDisk } from "./snapshots/snapshot-disk";

/**
 * How safe a workload's data is: `none` no good snapshot at all; `stale` its last good one
 * is older than a due time of its schedules since they were set (plus the random delay and a
 * grace for the run to finish);
 * `unscheduled` it has one but no enabled schedule; `ok` otherwise.
 */
export type DataSafety = "ok" | "stale" | "unscheduled" | "none";

export interface DashboardWorkload {
  id: string;
  name: string;
  project: string;
  stage: string;
  safety: DataSafety;
  lastGood: { id: string; createdAt: Date; kind: string } | null;
  /** the due time the last good snapshot is older than (stale only) */
  missedDueAt: Date | null;
  nextRunAt: Date | null;
  lastRun: ScheduleRunView | null;
  /** its schedules' ids, oldest first (an admin's "run now") */
  scheduleIds: string[];
  snapshots: number;
  snapshotBytes: number;
  restoring: boolean;
}

export interface DashboardFailure {
  kind: "schedule" | "prune" | "restore";
  runId: string;
  workloadId: string;
  workloadName: string;
  at: Date;
  reason: string | null;
  params: ErrorParams;
  message: string | null;
}

export interface DashboardOverview {
  workloads: DashboardWorkload[];
  disk: SnapshotDisk | null;
  recentFailures: DashboardFailure[];
  at: Date;
}

const RECENT_FAILURES = 10;
const FAILURE_WINDOW_MS = 7 * 24 * 3_600_000;
// A due time counts as missed this long after its random delay: the run may wait for a slot and take a while.
const GRACE_MS = 15 * 60_000;

/** Each workload's last finished run (one small query per workload: Prisma's `distinct` would read them all). */
async function lastFinishedRuns(deps: EngineDeps) {
  const workloads = await deps.db.workload.findMany({ select: { id: true } });
  const runs = await Promise.all(
    workloads.map((w) =>
      deps.db.scheduleRun.findFirst({ where: { workloadId: w.id, outcome: { not: null } }, orderBy: { finishedAt: "desc" } }),
    ),
  );
  return runs.filter((r) => r !== null);
}

export async function dashboardOverview(deps: EngineDeps, _viewer: Actor): Promise<DashboardOverview> {
  const now = deps.clock.now();
  const [workloads, usage, lastRuns, failedRuns, failedRestores, disk] = await Promise.all([
    deps.db.workload.findMany({
      include: {
        project: { select: { slug: true } },
        stage: { select: { slug: true } },
        schedules: { orderBy: { createdAt: "asc" } },
        snapshots: {
          where: { fileMissing: false },
          orderBy: { createdAt: "desc" },
          take: 1,
          select: { id: true, createdAt: true, kind: true },
        },
      },
      orderBy: [{ projectId: "asc" }, { name: "asc" }],
    }),
    deps.db.snapshot.groupBy({ by: ["workloadId"], _sum: { size: true }, _count: { _all: true } }),
    lastFinishedRuns(deps),
    deps.db.scheduleRun.findMany({
      where: {
        finishedAt: { gte: new Date(now.getTime() - FAILURE_WINDOW_MS) },
        OR: [{ outcome: { in: ["failed", "interrupted"] } }, { pruneFailed: true }],
      },
      orderBy: { finishedAt: "desc" },
      take: RECENT_FAILURES,
      include: { workload: { select: { name: true } } },
    }),
    deps.db.restoreRun.findMany({
      where: { outcome: "failed", startedAt: { gte: new Date(now.getTime() - FAILURE_WINDOW_MS) } },
      orderBy: { startedAt: "desc" },
      take: RECENT_FAILURES,
      include: { workload: { select: { name: true } } },
    }),
    snapshotDisk(deps).catch((error: unknown) => {
      deps.log.warn({ err: error }, "dashboard: reading the snapshot disk's free space failed");
      return null;
    }),
  ]);
  const usageOf = new Map(usage.map((u) => [u.workloadId, u]));
  const lastRunOf = new Map(lastRuns.map((r) => [r.workloadId, runView(r)]));

  return {
    at: now,
    disk,
    workloads: workloads.map((w) => {
      const lastGood = w.snapshots[0] ?? null;
      const enabled = w.schedules.filter((s) => s.enabled);
      const missedBy = new Date(now.getTime() - GRACE_MS - deps.scheduleJitterMs);
      const dueTimes = enabled.flatMap((s) => latestDueTime(s.cron, s.timezone, s.timedFrom, missedBy) ?? []);
      const missed = dueTimes.filter((due) => !lastGood || lastGood.createdAt < due).sort((a, b) => b.getTime() - a.getTime())[0];
      const next = enabled.flatMap((s) => nextRunAt(s, now) ?? []).sort((a, b) => a.getTime() - b.getTime())[0];
      const safety: DataSafety = !lastGood ? "none" : enabled.length === 0 ? "unscheduled" : missed ? "stale" : "ok";
      const used = usageOf.get(w.id);
      return {
        id: w.id,
        name: w.name,
        project: w.project.slug,
        stage: w.stage.slug,
        safety,
        lastGood,
        missedDueAt: safety === "stale" ? (missed ?? null) : null,
        nextRunAt: next ?? null,
        lastRun: lastRunOf.get(w.id) ?? null,
        scheduleIds: w.schedules.map((s) => s.id),
        snapshots: used?._count._all ?? 0,
        snapshotBytes: Number(used?._sum.size ?? 0),
        restoring: deps.restores.isRunning(w.id),
      };
    }),
    recentFailures: [
      ...failedRuns.map((r): DashboardFailure => {
        const view = runView(r);
        return {
          kind: r.outcome === "succeeded" ? "prune" : "schedule",
          runId: r.id,
          workloadId: r.workloadId,
          workloadName: r.workload.name,
          at: r.finishedAt ?? r.queuedAt,
          reason: r.outcome === "succeeded" ? "prune-failed" : view.reason,
          params: r.outcome === "succeeded" ? {} : view.params,
          message: view.message,
        };
      }),
      ...failedRestores.map((r): DashboardFailure => {
        const detail = parseDetail(r.detail);
        return {
          kind: "restore",
          runId: r.id,
          workloadId: r.workloadId,
          workloadName: r.workload.name,
          at: r.finishedAt ?? r.startedAt,
          reason: detail.detailReason,
          params: detail.detailParams,
          message: detail.detail,
        };
      }),
    ]
      .sort((a, b) => b.at.getTime() - a.at.getTime())
      .slice(0, RECENT_FAILURES),
  };
}
