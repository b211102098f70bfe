"use client";

import Link from "next/link";
import { useTranslations } from "next-intl";
import { useFormatBytes } from "~/components/format/use-format";
import { Alert } from "~/components/ui/alert";
import { Badge } from "~/components/ui/badge";
import { buttonVariants } from "~/components/ui/button";
import { cn } from "~/lib/utils";
import { describeError } from "~/components/ui/trpc-error";
import { api } from "~/trpc/react";
import { DashboardTable } from "./dashboard-table";
import { RecentFailures } from "./recent-failures";
import type { DashboardOverview } from "./types";

// Red turns green without a reload once a run has finished.
export const DASHBOARD_REFRESH_MS = 10_000;

/** The home page: whether every workload's data is safe now, the snapshot disk, and what failed lately. */
export function Dashboard({ isAdmin }: { isAdmin: boolean }) {
  const t = useTranslations("dashboard");
  const overview = api.dashboard.overview.useQuery(undefined, { refetchInterval: DASHBOARD_REFRESH_MS });

  if (overview.isPending) return <p className="text-sm text-muted-foreground">{t("loading")}</p>;
  if (!overview.data) {
    return (
      <Alert variant="destructive" role="alert">
        {t("loadFailed", { message: describeError(overview.error)?.message ?? "" })}
      </Alert>
    );
  }
  const data = overview.data;
  return (
    <div className="flex flex-col gap-6">
      {overview.error ? (
        <Alert variant="warning" role="alert">
          {t("refreshFailed", { message: describeError(overview.error)?.message ?? "" })}
        </Alert>
      ) : null}
      <div className="flex flex-wrap items-center justify-between gap-3">
        <Summary workloads={data.workloads} />
        <Disk disk={data.disk} />
      </div>
      {data.workloads.length === 0 ? <Empty isAdmin={isAdmin} /> : <DashboardTable overview={data} isAdmin={isAdmin} />}
      <RecentFailures failures={data.recentFailures} />
    </div>
  );
}

function Summary({ workloads }: { workloads: DashboardOverview["workloads"] }) {
  const t = useTranslations("dashboard");
  const count = (safety: string) => workloads.filter((w) => w.safety === safety).length;
  const stale = count("stale");
  const unscheduled = count("unscheduled");
  const none = count("none");
  return (
    <ul className="flex flex-wrap items-center gap-2" aria-label={t("summaryLabel")} data-testid="dashboard-summary">
      <li>
        <Badge variant="success">{t("summary.ok", { count: count("ok") })}</Badge>
      </li>
      {stale > 0 ? (
        <li>
          <Badge variant="warning">{t("summary.stale", { count: stale })}</Badge>
        </li>
      ) : null}
      {unscheduled > 0 ? (
        <li>
          <Badge variant="warning">{t("summary.unscheduled", { count: unscheduled })}</Badge>
        </li>
      ) : null}
      {none > 0 ? (
        <li>
          <Badge variant="destructive">{t("summary.none", { count: none })}</Badge>
        </li>
      ) : null}
    </ul>
  );
}

function Disk({ disk }: { disk: DashboardOverview["disk"] }) {
  const t = useTranslations("dashboard");
  const bytes = useFormatBytes();
  if (!disk) {
    return (
      <p className="text-sm text-muted-foreground" data-testid="dashboard-disk">
        {t("diskUnknown")}
      </p>
    );
  }
  const values = { free: bytes(disk.freeBytes), total: bytes(disk.totalBytes) };
  return (
    <p
      data-testid="dashboard-disk"
      data-low={disk.low ? "true" : undefined}
      className={cn(
        "rounded-md border px-3 py-1.5 text-sm",
        disk.low ? "border-warning-border bg-warning-soft font-medium text-warning-soft-foreground" : "border-border text-muted-foreground",
      )}
    >
      {disk.low ? t("diskLow", values) : t("disk", values)}
    </p>
  );
}

function Empty({ isAdmin }: { isAdmin: boolean }) {
  const t = useTranslations("dashboard");
  return (
    <div className="rounded-lg border border-dashed border-border px-6 py-12 text-center">
      <p className="font-medium">{t("empty")}</p>
      <p className="mt-1 text-sm text-muted-foreground">{isAdmin ? t("emptyAdmin") : t("emptyViewer")}</p>
      {isAdmin ? (
        <Link href="/workloads/new" className={buttonVariants({ className: "mt-4" })}>
          {t("createWorkload")}
        </Link>
      ) : null}
    </div>
  );
}
