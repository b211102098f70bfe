import { decodeReason } from "~/shared/encoded-reason";
import type { ErrorParams } from "~/shared/error-reasons";
import { latestDueTime } from "~/shared/schedules";
import { FAILING_COPY_STATES } from "~/shared/storage";
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
  /** copies off the host: targets in the copy policy, the newest snapshot with a verified copy, copies failing or waiting */
  offHost: { targets: number; lastCopiedAt: Date | null; failing: number; pending: number };
  /** the workload's latest verification of a snapshot */
  lastVerified: { at: Date; outcome: string; snapshotId: string } | null;
  lastTestRestore: { at: Date; outcome: string; id: string; snapshotId: string } | null;
}

export interface DashboardFailure {
  kind: "schedule" | "prune" | "restore" | "copy" | "verify" | "test-restore";
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

/**
 * Each workload's last finished run, last verification and last test restore (small queries per
 * workload: Prisma's `distinct` would read them all).
 */
async function latestPerWorkload(deps: EngineDeps) {
  const workloads = await deps.db.workload.findMany({ select: { id: true } });
  const each = async <T>(query: (workloadId: string) => Promise<T | null>): Promise<T[]> =>
    (await Promise.all(workloads.map((w) => query(w.id)))).filter((r) => r !== null) as T[];
  const [runs, verified, tested] = await Promise.all([
    each((workloadId) => deps.db.scheduleRun.findFirst({ where: { workloadId, outcome: { not: null } }, orderBy: { finishedAt: "desc" } })),
    each((workloadId) =>
      deps.db.snapshot.findFirst({
        where: { workloadId, verifiedAt: { not: null } },
        orderBy: { verifiedAt: "desc" },
        select: { id: true, workloadId: true, verifiedAt: true, verifyOutcome: true },
      }),
    ),
    each((workloadId) => deps.db.testRestore.findFirst({ where: { workloadId, outcome: { not: null } }, orderBy: { startedAt: "desc" } })),
  ]);
  return { runs, verified, tested };
}

/** Per workload: targets in its copy policy, copies by state, the newest snapshot with a verified copy. */
async function offHostSummary(deps: EngineDeps) {
  const [rules, states, copied] = await Promise.all([
    deps.db.copyRule.groupBy({ by: ["workloadId"], _count: { _all: true } }),
    deps.db.snapshotCopy.groupBy({ by: ["workloadId", "state"], _count: { _all: true } }),
    deps.db.snapshotCopy.groupBy({ by: ["workloadId"], where: { state: "verified" }, _max: { snapshotCreatedAt: true } }),
  ]);
  return (workloadId: string): DashboardWorkload["offHost"] => {
    const count = (match: (state: string) => boolean) =>
      states.filter((c) => c.workloadId === workloadId && match(c.state)).reduce((sum, c) => sum + c._count._all, 0);
    return {
      targets: rules.find((r) => r.workloadId === workloadId)?._count._all ?? 0,
      lastCopiedAt: copied.find((c) => c.workloadId === workloadId)?._max.snapshotCreatedAt ?? null,
      failing: count((state) => (FAILING_COPY_STATES as readonly string[]).includes(state)),
      pending: count((state) => state === "queued" || state === "copying"),
    };
  };
}

export async function dashboardOverview(deps: EngineDeps, _viewer: Actor): Promise<DashboardOverview> {
  const now = deps.clock.now();
  const since = new Date(now.getTime() - FAILURE_WINDOW_MS);
  const [workloads, usage, latest, failedRuns, failedRestores, disk, offHostOf, failedChecks] = await Promise.all([
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
    latestPerWorkload(deps),
    deps.db.scheduleRun.findMany({
      where: {
        finishedAt: { gte: since },
        OR: [{ outcome: { in: ["failed", "interrupted"] } }, { pruneFailed: true }],
      },
      orderBy: { finishedAt: "desc" },
      take: RECENT_FAILURES,
      include: { workload: { select: { name: true } } },
    }),
    deps.db.restoreRun.findMany({
      where: { outcome: "failed", startedAt: { gte: since } },
      orderBy: { startedAt: "desc" },
      take: RECENT_FAILURES,
      include: { workload: { select: { name: true } } },
    }),
    snapshotDisk(deps).catch((error: unknown) => {
      deps.log.warn({ err: error }, "dashboard: reading the snapshot disk's free space failed");
      return null;
    }),
    offHostSummary(deps),
    recentCheckFailures(deps, since),
  ]);
  const usageOf = new Map(usage.map((u) => [u.workloadId, u]));
  const lastRunOf = new Map(latest.runs.map((r) => [r.workloadId, runView(r)]));
  const verifiedOf = new Map(latest.verified.map((v) => [v.workloadId, v]));
  const testedOf = new Map(latest.tested.map((t) => [t.workloadId, t]));

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
        offHost: offHostOf(w.id),
        lastVerified: verifiedView(verifiedOf.get(w.id)),
        lastTestRestore: testedView(testedOf.get(w.id)),
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
      ...failedChecks,
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

const verifiedView = (row?: { id: string; verifiedAt: Date | null; verifyOutcome: string | null }): DashboardWorkload["lastVerified"] =>
  row?.verifiedAt ? { at: row.verifiedAt, outcome: row.verifyOutcome ?? "failed", snapshotId: row.id } : null;

const testedView = (row?: { id: string; snapshotId: string; startedAt: Date; finishedAt: Date | null; outcome: string | null }) =>
  row?.outcome ? { at: row.finishedAt ?? row.startedAt, outcome: row.outcome, id: row.id, snapshotId: row.snapshotId } : null;

/** Failed copies, verifications and test restores since `since`, as failures of the dashboard. */
async function recentCheckFailures(deps: EngineDeps, since: Date): Promise<DashboardFailure[]> {
  const names = new Map((await deps.db.workload.findMany({ select: { id: true, name: true } })).map((w) => [w.id, w.name]));
  const [copies, verifications, tests] = await Promise.all([
    deps.db.snapshotCopy.findMany({
      where: {
        state: { in: [...FAILING_COPY_STATES] },
        OR: [{ checkedAt: { gte: since } }, { checkedAt: null, createdAt: { gte: since } }],
      },
      orderBy: { createdAt: "desc" },
      take: RECENT_FAILURES,
    }),
    deps.db.snapshot.findMany({
      where: { verifyOutcome: "failed", verifiedAt: { gte: since } },
      orderBy: { verifiedAt: "desc" },
      take: RECENT_FAILURES,
    }),
    deps.db.testRestore.findMany({
      where: { outcome: "failed", startedAt: { gte: since } },
      orderBy: { startedAt: "desc" },
      take: RECENT_FAILURES,
    }),
  ]);
  const failure = (
    kind: DashboardFailure["kind"],
    runId: string,
    workloadId: string,
    at: Date,
    detail: string | null,
  ): DashboardFailure => {
    const decoded = detail ? decodeReason(detail) : null;
    return {
      kind,
      runId,
      workloadId,
      workloadName: names.get(workloadId) ?? "",
      at,
      reason: decoded?.reason ?? null,
      params: decoded?.params ?? {},
      message: decoded?.message ?? null,
    };
  };
  return [
    ...copies.map((c) => failure("copy", c.id, c.workloadId, c.checkedAt ?? c.createdAt, c.detail)),
    ...verifications.map((v) => failure("verify", v.id, v.workloadId, v.verifiedAt ?? v.createdAt, v.verifyDetail)),
    ...tests.map((t) => failure("test-restore", t.id, t.workloadId, t.finishedAt ?? t.startedAt, t.detail)),
  ];
}
