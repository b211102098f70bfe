"use client";

import { useTranslations } from "next-intl";
import { useEffect, useId, useRef } from "react";
import { Alert } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { Table, TableBody, TableColumns } from "~/components/ui/table";
import { describeError } from "~/components/ui/trpc-error";
import { api } from "~/trpc/react";
import { ScheduleDialog } from "./schedule-dialog";
import { ScheduleRow } from "./schedule-row";
import { ScheduleRuns } from "./schedule-runs";
import type { ScheduleView } from "./schedule-text";

// Re-read while a run is queued or running: its outcome, and the snapshot it adds, show by themselves.
const ACTIVE_REFRESH_MS = 10_000;
const RECENT_RUNS = 10;

// A run this server holds, or one whose row has no outcome yet.
const anyActive = (schedules: readonly ScheduleView[] | undefined) =>
  !!schedules?.some((s) => s.active || (s.lastRun !== null && s.lastRun.outcome === null));

/**
 * A workload's schedules: when each runs (in words when a preset wrote it), its zone, whether
 * containers stop, paused or not, the next and the last run; admins add, edit, pause, run now
 * and delete. Under them, the recent runs.
 */
export function SchedulesPanel({ workloadId, isAdmin }: { workloadId: string; isAdmin: boolean }) {
  const t = useTranslations("schedules");
  const titleId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const utils = api.useUtils();
  const list = api.schedule.list.useQuery(
    { workloadId },
    { refetchInterval: (q) => (anyActive(q.state.data) ? ACTIVE_REFRESH_MS : false) },
  );
  const active = anyActive(list.data);
  const runs = api.schedule.runs.useQuery({ workloadId, limit: RECENT_RUNS }, { refetchInterval: active ? ACTIVE_REFRESH_MS : false });

  // A run just ended: its snapshot (and any it pruned) change the snapshot list and the dashboard.
  const wasActive = useRef(active);
  useEffect(() => {
    if (wasActive.current && !active) {
      void Promise.all([
        utils.snapshot.list.invalidate(),
        utils.schedule.runs.invalidate({ workloadId }),
        utils.dashboard.overview.invalidate(),
      ]);
    }
    wasActive.current = active;
  }, [active, utils, workloadId]);

  return (
    <Card role="region" aria-labelledby={titleId} data-testid="schedules-panel">
      <CardHeader className="flex-row flex-wrap items-start justify-between gap-3">
        <div className="flex flex-col gap-1.5">
          <CardTitle id={titleId} ref={headingRef} tabIndex={-1} className="focus:outline-none">
            {t("title")}
          </CardTitle>
          <CardDescription>{t("description")}</CardDescription>
        </div>
        {isAdmin ? <ScheduleDialog workloadId={workloadId} trigger={<Button data-testid="add-schedule">{t("add")}</Button>} /> : null}
      </CardHeader>
      <CardContent className="flex flex-col gap-6">
        {list.isPending ? (
          <p className="text-sm text-muted-foreground">{t("loading")}</p>
        ) : !list.data ? (
          <Alert variant="destructive" role="alert">
            {t("loadFailed", { message: describeError(list.error)?.message ?? "" })}
          </Alert>
        ) : list.data.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("empty")}</p>
        ) : (
          <Table>
            <TableColumns
              columns={[
                t("columns.when"),
                t("columns.timezone"),
                t("columns.quiesce"),
                t("columns.state"),
                t("columns.nextRun"),
                t("columns.lastRun"),
              ]}
              actionsLabel={isAdmin ? t("columns.actions") : undefined}
            />
            <TableBody>
              {list.data.map((schedule) => (
                <ScheduleRow key={schedule.id} schedule={schedule} isAdmin={isAdmin} onGone={() => headingRef.current?.focus()} />
              ))}
            </TableBody>
          </Table>
        )}
        {runs.data && (runs.data.length > 0 || (list.data?.length ?? 0) > 0) ? <ScheduleRuns runs={runs.data} /> : null}
      </CardContent>
    </Card>
  );
}
