"use client";

import { useFormatter, useTranslations } from "next-intl";
import { useId } from "react";
import { DateTime } from "~/components/format/date-time";
import { Table, TableBody, TableCell, TableColumns, TableRow } from "~/components/ui/table";
import { RunOutcome, type ScheduleRunView } from "./schedule-text";

const SHORT_ID = 8;

/** The workload's latest scheduled runs: when, what for (a due time or "run now"), how each ended. */
export function ScheduleRuns({ runs }: { runs: readonly ScheduleRunView[] }) {
  const t = useTranslations("schedules.runs");
  const format = useFormatter();
  const titleId = useId();
  return (
    <section className="flex flex-col gap-2" aria-labelledby={titleId}>
      <h3 id={titleId} className="text-sm font-semibold">
        {t("title")}
      </h3>
      {runs.length === 0 ? (
        <p className="text-sm text-muted-foreground">{t("empty")}</p>
      ) : (
        <Table data-testid="schedule-runs">
          <TableColumns
            columns={[t("columns.when"), t("columns.trigger"), t("columns.outcome"), t("columns.snapshot"), t("columns.pruned")]}
          />
          <TableBody>
            {runs.map((run) => (
              <TableRow key={run.id}>
                <TableCell className="whitespace-nowrap">
                  <DateTime value={run.queuedAt} />
                </TableCell>
                <TableCell className="text-sm">
                  {run.dueAt ? t("due", { time: format.dateTime(run.dueAt, { dateStyle: "medium", timeStyle: "short" }) }) : t("manual")}
                </TableCell>
                <TableCell>
                  <RunOutcome run={run} />
                </TableCell>
                <TableCell className="font-mono text-xs" title={run.snapshotId ?? undefined}>
                  {run.snapshotId ? run.snapshotId.slice(0, SHORT_ID) : "—"}
                </TableCell>
                <TableCell className="tabular-nums">{run.pruned}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </section>
  );
}
