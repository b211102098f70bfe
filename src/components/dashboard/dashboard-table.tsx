"use client";

import Link from "next/link";
import { useFormatter, useTranslations } from "next-intl";
import { RelativeTime } from "~/components/format/date-time";
import { useFormatBytes } from "~/components/format/use-format";
import { RunNowButton } from "~/components/schedules/run-now-button";
import { RunOutcome } from "~/components/schedules/schedule-text";
import { Badge } from "~/components/ui/badge";
import { Table, TableBody, TableCell, TableColumns, TableRow } from "~/components/ui/table";
import { useFormatCpu } from "~/components/format/use-format";
import { useUnavailableText, useUptimeText } from "~/components/workloads/container-stats-card";
import { api } from "~/trpc/react";
import type { ContainerStatsView, DashboardOverview, DashboardWorkload } from "./types";

/** As often as the overview: a stats round reads every container. */
const CONTAINER_STATS_REFRESH_MS = 10_000;
const SAFETY_BADGE = { ok: "success", stale: "warning", unscheduled: "warning", none: "destructive" } as const;

/**
 * A row per workload: how safe its data is, its container (CPU, memory, restarts, uptime), its
 * last good snapshot, next and last run, its copies off the host, its last verification and test
 * restore, disk use; admins run now.
 */
export function DashboardTable({ overview, isAdmin }: { overview: DashboardOverview; isAdmin: boolean }) {
  const t = useTranslations("dashboard");
  const tc = useTranslations("containerStats");
  // Apart from the overview: Docker takes about a second per running container.
  const stats = api.dashboard.containerStats.useQuery(undefined, { refetchInterval: CONTAINER_STATS_REFRESH_MS });
  return (
    <Table aria-label={t("tableLabel")}>
      <TableColumns
        columns={[
          t("columns.workload"),
          t("columns.safety"),
          tc("column"),
          t("columns.lastGood"),
          t("columns.nextRun"),
          t("columns.lastRun"),
          t("columns.offHost"),
          t("columns.lastVerified"),
          t("columns.lastTestRestore"),
          { label: t("columns.usage"), className: "text-right" },
        ]}
        actionsLabel={isAdmin ? t("columns.actions") : undefined}
      />
      <TableBody>
        {overview.workloads.map((w) => (
          <WorkloadRow key={w.id} workload={w} now={overview.at} isAdmin={isAdmin} stats={stats.data} />
        ))}
      </TableBody>
    </Table>
  );
}

function WorkloadRow({
  workload: w,
  now,
  isAdmin,
  stats,
}: {
  workload: DashboardWorkload;
  now: Date;
  isAdmin: boolean;
  stats: ContainerStatsView | undefined;
}) {
  const t = useTranslations("dashboard");
  const ts = useTranslations("schedules");
  const bytes = useFormatBytes();
  const [scheduleId] = w.scheduleIds;
  return (
    <TableRow data-testid={`dashboard-row-${w.id}`} data-safety={w.safety}>
      <TableCell>
        <span className="flex flex-col gap-0.5">
          <Link href={`/workloads/${w.id}`} className="font-mono font-medium break-all underline-offset-4 hover:underline">
            {w.name}
          </Link>
          <span className="font-mono text-xs text-muted-foreground">
            {w.project} / {w.stage}
          </span>
          {w.restoring ? (
            <span>
              <Badge variant="outline">{t("restoring")}</Badge>
            </span>
          ) : null}
        </span>
      </TableCell>
      <TableCell>
        <SafetyBadge workload={w} />
      </TableCell>
      <TableCell data-testid="dashboard-container">
        <ContainerFigures workloadId={w.id} stats={stats} />
      </TableCell>
      <TableCell className="whitespace-nowrap">
        {w.lastGood ? <RelativeTime value={w.lastGood.createdAt} now={now} /> : <span className="text-muted-foreground">{t("never")}</span>}
      </TableCell>
      <TableCell className="whitespace-nowrap">
        {w.nextRunAt ? (
          <RelativeTime value={w.nextRunAt} now={now} />
        ) : (
          <span className="text-muted-foreground">{scheduleId ? t("paused") : t("notScheduled")}</span>
        )}
      </TableCell>
      <TableCell>
        <RunOutcome run={w.lastRun} />
      </TableCell>
      <TableCell data-testid="dashboard-off-host">
        <OffHost workload={w} now={now} />
      </TableCell>
      <TableCell data-testid="dashboard-last-verified">
        <LastCheck check={w.lastVerified} now={now} />
      </TableCell>
      <TableCell data-testid="dashboard-last-test-restore">
        <LastCheck check={w.lastTestRestore} now={now} />
      </TableCell>
      <TableCell className="text-right whitespace-nowrap tabular-nums">
        {t("usage", { count: w.snapshots, size: bytes(w.snapshotBytes) })}
      </TableCell>
      {isAdmin ? (
        <TableCell className="text-right">
          {scheduleId ? <RunNowButton scheduleId={scheduleId} label={ts("runNowWorkload", { name: w.name })} /> : null}
        </TableCell>
      ) : null}
    </TableRow>
  );
}

function SafetyBadge({ workload: w }: { workload: DashboardWorkload }) {
  const t = useTranslations("dashboard");
  const format = useFormatter();
  const labels = { ok: t("safety.ok"), stale: t("safety.stale"), unscheduled: t("safety.unscheduled"), none: t("safety.none") };
  const hints = {
    ok: t("safetyHints.ok"),
    stale: t("safetyHints.stale"),
    unscheduled: t("safetyHints.unscheduled"),
    none: t("safetyHints.none"),
  };
  return (
    <span className="inline-flex flex-col items-start gap-0.5">
      <Badge variant={SAFETY_BADGE[w.safety]} title={hints[w.safety]}>
        {labels[w.safety]}
      </Badge>
      {w.safety === "stale" ? <span className="text-xs text-muted-foreground">{hints.stale}</span> : null}
      {w.missedDueAt ? (
        <span className="text-xs text-muted-foreground">
          {t("missed", { due: format.dateTime(w.missedDueAt, { dateStyle: "medium", timeStyle: "short" }) })}
        </span>
      ) : null}
    </span>
  );
}

/** Copies off the host: how many targets, the newest snapshot copied, and copies failing or waiting. */
function OffHost({ workload: w, now }: { workload: DashboardWorkload; now: Date }) {
  const t = useTranslations("dashboard.offHost");
  const { targets, lastCopiedAt, failing, pending } = w.offHost;
  if (targets === 0 && failing === 0 && pending === 0 && !lastCopiedAt) {
    return <span className="text-muted-foreground">{t("none")}</span>;
  }
  return (
    <span className="inline-flex flex-col items-start gap-0.5 text-sm">
      <span className="whitespace-nowrap">{t("targets", { count: targets })}</span>
      <span className="text-xs whitespace-nowrap text-muted-foreground">
        {lastCopiedAt ? (
          <>
            {t("copied")} <RelativeTime value={lastCopiedAt} now={now} />
          </>
        ) : (
          t("notCopied")
        )}
      </span>
      {failing > 0 ? <Badge variant="destructive">{t("failing", { count: failing })}</Badge> : null}
      {pending > 0 ? <span className="text-xs whitespace-nowrap text-muted-foreground">{t("pending", { count: pending })}</span> : null}
    </span>
  );
}

const CHECK_BADGE = { passed: "success", failed: "destructive", interrupted: "warning" } as const;

/** A verification's or a test restore's outcome and how long ago; "Never" before the first. */
function LastCheck({ check, now }: { check: { at: Date; outcome: string } | null; now: Date }) {
  const t = useTranslations("dashboard");
  const labels = { passed: t("checkOutcomes.passed"), failed: t("checkOutcomes.failed"), interrupted: t("checkOutcomes.interrupted") };
  if (!check) return <span className="text-muted-foreground">{t("never")}</span>;
  const outcome = check.outcome === "passed" || check.outcome === "failed" || check.outcome === "interrupted" ? check.outcome : null;
  return (
    <span className="inline-flex flex-col items-start gap-0.5" data-outcome={check.outcome}>
      <Badge variant={outcome ? CHECK_BADGE[outcome] : "secondary"}>{outcome ? labels[outcome] : check.outcome}</Badge>
      <span className="text-xs whitespace-nowrap text-muted-foreground">
        <RelativeTime value={check.at} now={now} />
      </span>
    </span>
  );
}

/** CPU, memory, restarts and uptime, one short line each; "…" until the stats first arrive. */
function ContainerFigures({ workloadId, stats }: { workloadId: string; stats: ContainerStatsView | undefined }) {
  const t = useTranslations("containerStats");
  const bytes = useFormatBytes();
  const cpu = useFormatCpu();
  const uptimeText = useUptimeText();
  const unavailable = useUnavailableText();
  const s = stats?.workloads.find((r) => r.workloadId === workloadId);
  if (!stats || !s) return <span className="text-muted-foreground">{t("reading")}</span>;
  if (s.state === "missing") return <span className="text-xs text-muted-foreground">{t("notDeployed")}</span>;
  if (s.state === "unavailable") return <span className="text-xs text-muted-foreground">{unavailable(s.reason)}</span>;
  return (
    <span className="inline-flex flex-col items-start gap-0.5 text-xs whitespace-nowrap tabular-nums" data-running={s.running}>
      {s.cpuPercent !== null ? <span>{t("cpuShort", { value: cpu(s.cpuPercent) })}</span> : null}
      {s.memoryBytes !== null ? <span>{t("memoryShort", { value: bytes(s.memoryBytes) })}</span> : null}
      <span>{t("restartsShort", { count: s.restartCount })}</span>
      <span className="text-muted-foreground">{uptimeText(s, stats.at)}</span>
    </span>
  );
}
