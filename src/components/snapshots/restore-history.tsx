"use client";

import { useTranslations } from "next-intl";
import { useId } from "react";
import type { WorkloadView } from "~/components/workloads/options";
import { DateTime } from "~/components/settings/date-time";
import { Alert } from "~/components/ui/alert";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "~/components/ui/table";
import { api } from "~/trpc/react";
import { isKnownRestoreOutcome, isRestoreRunDetail, isUndoable, type RestoreRunView, type SnapshotView } from "./options";
import { RestoreDialog } from "./restore-dialog";
import { usePhaseLabel } from "./snapshot-progress";
import { useFormatDuration, useSnapshotName } from "./use-format";

// Poll quickly only while a run is unfinished (its row changes phase); the progress stream
// refreshes the list at the end of a restore watched from this page anyway.
const RUNNING_REFRESH_MS = 3_000;
const IDLE_REFRESH_MS = 30_000;

const OUTCOME_BADGE = {
  succeeded: "success",
  failed: "destructive",
  "rolled-back-at-boot": "outline",
  "completed-at-boot": "outline",
} as const;

/** The workload's restores, newest first, with how each ended, and Undo for those that can be. */
export function RestoreHistoryCard({ workload, isAdmin }: { workload: WorkloadView; isAdmin: boolean }) {
  const t = useTranslations("restoreHistory");
  const titleId = useId();
  const runs = api.snapshot.restoreRuns.useQuery(
    { workloadId: workload.id },
    { refetchInterval: (q) => (q.state.data?.some((r) => r.outcome === null) ? RUNNING_REFRESH_MS : IDLE_REFRESH_MS) },
  );
  const snapshots = api.snapshot.list.useQuery({ workloadId: workload.id });
  const byId = new Map((snapshots.data ?? []).map((s) => [s.id, s]));

  return (
    <Card role="region" aria-labelledby={titleId}>
      <CardHeader>
        <CardTitle id={titleId}>{t("title")}</CardTitle>
        <CardDescription>{t("description")}</CardDescription>
      </CardHeader>
      <CardContent>
        {runs.isPending ? (
          <p className="text-sm text-muted-foreground">{t("loading")}</p>
        ) : !runs.data ? (
          <Alert variant="destructive" role="alert">
            {t("loadFailed", { message: runs.error?.message ?? "" })}
          </Alert>
        ) : runs.data.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("empty")}</p>
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>{t("columns.started")}</TableHead>
                <TableHead>{t("columns.snapshot")}</TableHead>
                <TableHead>{t("columns.actor")}</TableHead>
                <TableHead>{t("columns.outcome")}</TableHead>
                <TableHead>{t("columns.duration")}</TableHead>
                {isAdmin ? (
                  <TableHead>
                    <span className="sr-only">{t("columns.actions")}</span>
                  </TableHead>
                ) : null}
              </TableRow>
            </TableHeader>
            <TableBody>
              {runs.data.map((run) => (
                <RunRow
                  key={run.id}
                  run={run}
                  workload={workload}
                  isAdmin={isAdmin}
                  snapshot={byId.get(run.snapshotId)}
                  preRestore={run.preRestoreSnapshotId ? byId.get(run.preRestoreSnapshotId) : undefined}
                />
              ))}
            </TableBody>
          </Table>
        )}
      </CardContent>
    </Card>
  );
}

function RunRow({
  run,
  workload,
  isAdmin,
  snapshot,
  preRestore,
}: {
  run: RestoreRunView;
  workload: WorkloadView;
  isAdmin: boolean;
  snapshot: SnapshotView | undefined;
  preRestore: SnapshotView | undefined;
}) {
  const t = useTranslations("restoreHistory");
  const tr = useTranslations("restoreDialog");
  const snapshotName = useSnapshotName();
  const duration = useFormatDuration();
  const name = snapshot ? snapshotName(snapshot) : t("deletedSnapshot", { id: run.snapshotId.slice(0, 8) });
  return (
    <TableRow>
      <TableCell className="whitespace-nowrap">
        <DateTime value={run.startedAt} />
      </TableCell>
      <TableCell className="max-w-[16rem] break-words">{snapshot ? name : <span className="text-muted-foreground">{name}</span>}</TableCell>
      <TableCell className="break-words">{run.actor}</TableCell>
      <TableCell className="max-w-[24rem]">
        <Outcome run={run} />
      </TableCell>
      <TableCell className="whitespace-nowrap tabular-nums">{run.durationMs === null ? "—" : duration(run.durationMs / 1000)}</TableCell>
      {isAdmin ? (
        <TableCell className="text-right">
          {isUndoable(run) ? (
            preRestore ? (
              <RestoreDialog
                workload={workload}
                snapshot={preRestore}
                purpose="undo"
                trigger={
                  <Button variant="outline" size="sm" aria-label={tr("undoName", { name })}>
                    {tr("undo")}
                  </Button>
                }
              />
            ) : (
              <span className="text-xs text-muted-foreground">{t("undoGone")}</span>
            )
          ) : null}
        </TableCell>
      ) : null}
    </TableRow>
  );
}

/** The outcome in words, with the server's detail (why it failed, a redeploy that did not work). */
function Outcome({ run }: { run: RestoreRunView }) {
  const t = useTranslations("restoreHistory");
  const phaseLabel = usePhaseLabel();
  if (run.outcome === null) {
    return (
      <div className="flex flex-col gap-1">
        <Badge variant="default" className="self-start">
          {t("running")}
        </Badge>
        <span className="text-xs text-muted-foreground">{phaseLabel(run.phase)}</span>
      </div>
    );
  }
  const known = isKnownRestoreOutcome(run.outcome) ? run.outcome : null;
  return (
    <div className="flex flex-col gap-1">
      <Badge variant={known ? OUTCOME_BADGE[known] : "secondary"} className="self-start">
        {known ? t(`outcomes.${known}`) : run.outcome}
      </Badge>
      {known === "rolled-back-at-boot" || known === "completed-at-boot" ? (
        <span className="text-xs text-muted-foreground">
          {known === "rolled-back-at-boot" ? t("outcomeHints.rolledBack") : t("outcomeHints.completed")}
        </span>
      ) : null}
      {run.detail ? <span className="text-xs break-words text-muted-foreground">{isRestoreRunDetail(run.detail) ? t(`details.${run.detail}`) : run.detail}</span> : null}
    </div>
  );
}
