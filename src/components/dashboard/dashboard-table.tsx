"use client";

import Link from "next/link";
import { useFormatter, useTranslations } from "next-intl";
import { RelativeTime } from "~/components/format/date-time";
import { useFormatBytes } from "~/components/format/use-format";
import { RunNowButton } from "~/components/schedules/run-now-button";
import { RunOutcome } from "~/components/schedules/schedule-text";
import { Badge } from "~/components/ui/badge";
import { Table, TableBody, TableCell, TableColumns, TableRow } from "~/components/ui/table";
import type { DashboardOverview, DashboardWorkload } from "./types";

const SAFETY_BADGE = { ok: "success", stale: "warning", unscheduled: "warning", none: "destructive" } as const;

/** A row per workload: how safe its data is, its last good snapshot, next and last run, disk use; admins run now. */
export function DashboardTable({ overview, isAdmin }: { overview: DashboardOverview; isAdmin: boolean }) {
  const t = useTranslations("dashboard");
  return (
    <Table aria-label={t("tableLabel")}>
      <TableColumns
        columns={[
          t("columns.workload"),
          t("columns.safety"),
          t("columns.lastGood"),
          t("columns.nextRun"),
          t("columns.lastRun"),
          { label: t("columns.usage"), className: "text-right" },
        ]}
        actionsLabel={isAdmin ? t("columns.actions") : undefined}
      />
      <TableBody>
        {overview.workloads.map((w) => (
          <WorkloadRow key={w.id} workload={w} now={overview.at} isAdmin={isAdmin} />
        ))}
      </TableBody>
    </Table>
  );
}

function WorkloadRow({ workload: w, now, isAdmin }: { workload: DashboardWorkload; now: Date; isAdmin: boolean }) {
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
