"use client";

import { useTranslations } from "next-intl";
import { useCallback, useId } from "react";
import { useFormatBytes, useFormatCpu, useFormatUptime } from "~/components/format/use-format";
import { Alert } from "~/components/ui/alert";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { describeError } from "~/components/ui/trpc-error";
import type { WorkloadStats } from "~/server/engine/workloads/workload-stats";
import { api } from "~/trpc/react";

export const STATS_REFRESH_MS = 5_000;

type Measured = Extract<WorkloadStats, { state: "measured" }>;

/** "up 3 h 12 min" while it runs, "stopped 5 min ago" after, counted from the server's `at`. */
export function useUptimeText() {
  const t = useTranslations("containerStats");
  const uptime = useFormatUptime();
  return useCallback(
    (s: Measured, at: Date) => {
      if (s.running && s.startedAt) return t("up", { duration: uptime(at.getTime() - Date.parse(s.startedAt)) });
      if (s.finishedAt) return t("stoppedAgo", { duration: uptime(at.getTime() - Date.parse(s.finishedAt)) });
      return s.startedAt ? t("notRunning") : t("neverStarted");
    },
    [t, uptime],
  );
}

/** What Docker could not say, in the words the status badge uses. */
export function useUnavailableText() {
  const tw = useTranslations("workloads");
  return useCallback(
    (reason: "docker-unreachable" | "docker-error") => tw("statusUnreachableDetail", { reason: tw(`unreachableReasons.${reason}`) }),
    [tw],
  );
}

/** The workload's container as Docker sees it: CPU, memory used of its limit, restarts and uptime. */
export function ContainerStatsCard({ workloadId }: { workloadId: string }) {
  const t = useTranslations("containerStats");
  const titleId = useId();
  // react-query pauses the interval while the tab is hidden.
  const query = api.workload.stats.useQuery({ id: workloadId }, { refetchInterval: STATS_REFRESH_MS });
  const error = describeError(query.error);
  return (
    <Card role="region" aria-labelledby={titleId} data-testid="container-stats">
      <CardHeader>
        <CardTitle id={titleId}>{t("title")}</CardTitle>
        <CardDescription>{t("description", { seconds: STATS_REFRESH_MS / 1000 })}</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        {error ? (
          <Alert variant={query.data ? "warning" : "destructive"} role="alert">
            {t("loadFailed", { message: error.message })}
          </Alert>
        ) : null}
        {query.data ? (
          <StatsBody stats={query.data} />
        ) : query.isPending ? (
          <p className="text-sm text-muted-foreground">{t("loading")}</p>
        ) : null}
      </CardContent>
    </Card>
  );
}

function StatsBody({ stats }: { stats: WorkloadStats & { at: Date } }) {
  const t = useTranslations("containerStats");
  const bytes = useFormatBytes();
  const cpu = useFormatCpu();
  const uptimeText = useUptimeText();
  const unavailable = useUnavailableText();
  if (stats.state === "missing") return <p className="text-sm text-muted-foreground">{t("notDeployed")}</p>;
  if (stats.state === "unavailable") return <p className="text-sm text-muted-foreground">{unavailable(stats.reason)}</p>;
  // A running container's first sample may have no CPU figure yet: that is "no reading", not "not running".
  const dash = stats.running ? (
    <span className="text-muted-foreground" title={t("noReadingHint")} data-testid="stats-no-reading">
      <span aria-hidden="true">{t("noReading")}</span>
      <span className="sr-only">{t("noReadingHint")}</span>
    </span>
  ) : (
    <span className="text-muted-foreground">{t("notRunning")}</span>
  );
  const memory =
    stats.memoryBytes === null
      ? dash
      : stats.memoryLimitBytes
        ? t("ofLimit", { used: bytes(stats.memoryBytes), limit: bytes(stats.memoryLimitBytes) })
        : bytes(stats.memoryBytes);
  return (
    <dl className="grid grid-cols-2 gap-x-6 gap-y-3 text-sm sm:grid-cols-4">
      <Figure label={t("cpu")} testId="stats-cpu">
        {stats.cpuPercent === null ? dash : cpu(stats.cpuPercent)}
      </Figure>
      <Figure label={t("memory")} testId="stats-memory">
        {memory}
      </Figure>
      <Figure label={t("restarts")} testId="stats-restarts">
        {stats.restartCount}
      </Figure>
      <Figure label={t("uptime")} testId="stats-uptime">
        {uptimeText(stats, stats.at)}
      </Figure>
    </dl>
  );
}

function Figure({ label, testId, children }: { label: string; testId: string; children: React.ReactNode }) {
  return (
    <div className="flex min-w-0 flex-col gap-0.5">
      <dt className="font-medium text-muted-foreground">{label}</dt>
      <dd className="tabular-nums break-words" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}
