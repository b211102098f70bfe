"use client";

import { useTranslations } from "next-intl";
import { useId, useState } from "react";
import type { WorkloadView } from "~/components/workloads/options";
import { DateTime } from "~/components/format/date-time";
import { Alert } from "~/components/ui/alert";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { Table, TableBody, TableCell, TableColumns, TableRow } from "~/components/ui/table";
import { reasonText } from "~/components/ui/trpc-error";
import { api } from "~/trpc/react";
import {
  isRestoreOutcome,
  isRestoreRunDetail,
  loadErrorText,
  restoreStepOf,
  undoableRun,
  undoCopySnapshotId,
  undoMethod,
  type RestoreRunView,
  type SnapshotView,
} from "./options";
import { RestoreDialog } from "./restore-dialog";
import { usePhaseLabel } from "./snapshot-progress";
import { UndoRestoreDialog, type UndoSubject } from "./undo-restore-dialog";
import { useFormatMs } from "~/components/format/use-format";
import { useSnapshotName } from "./snapshot-name";

// Poll quickly only while a run is unfinished: its workload coming up, or its undo copy being
// saved in the background (the row changes phase, then its undo copy state).
const RUNNING_REFRESH_MS = 3_000;
const IDLE_REFRESH_MS = 30_000;

/** What the history's Undo opens: a swap back, or a restore of the saved undo copy. */
type UndoTarget = { run: RestoreRunView; subject: UndoSubject } & ({ method: "swap" } | { method: "snapshot"; snapshot: SnapshotView });

const OUTCOME_BADGE = {
  succeeded: "success",
  failed: "destructive",
  "rolled-back-at-boot": "outline",
  "completed-at-boot": "outline",
} as const;

/** Whether the history should be re-read soon: a run is still working. */
const runsInProgress = (runs: readonly Pick<RestoreRunView, "outcome" | "undoCopy">[] | undefined) =>
  !!runs?.some((r) => r.outcome === null || r.undoCopy === "pending");

const refreshInterval = (q: { state: { data?: RestoreRunView[] } }) =>
  runsInProgress(q.state.data) ? RUNNING_REFRESH_MS : IDLE_REFRESH_MS;

/** The pre-restore snapshot the history's Undo would restore (the snapshot list marks it), or null. */
export function useUndoCopyId(workloadId: string, enabled = true) {
  const runs = api.snapshot.restoreRuns.useQuery({ workloadId }, { enabled, refetchInterval: refreshInterval });
  return runs.data ? undoCopySnapshotId(runs.data) : null;
}

/**
 * The workload's restores, newest first: how each ended, how long the workload was down and
 * until it was up again, its undo copy, and Undo for the latest one.
 */
export function RestoreHistoryCard({ workload, isAdmin }: { workload: WorkloadView; isAdmin: boolean }) {
  const t = useTranslations("restoreHistory");
  const titleId = useId();
  const runs = api.snapshot.restoreRuns.useQuery({ workloadId: workload.id }, { refetchInterval: refreshInterval });
  const snapshots = api.snapshot.list.useQuery({ workloadId: workload.id });
  const byId = new Map((snapshots.data ?? []).map((s) => [s.id, s]));
  const undoable = runs.data ? undoableRun(runs.data) : null;
  // The undo dialog lives outside the rows: once it has run, its row is no longer undoable.
  const [undo, setUndo] = useState<UndoTarget | null>(null);
  const [undoOpen, setUndoOpen] = useState(false);

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
            {t("loadFailed", { message: loadErrorText(runs.error) })}
          </Alert>
        ) : runs.data.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("empty")}</p>
        ) : (
          <Table>
            <TableColumns
              columns={[
                t("columns.started"),
                t("columns.snapshot"),
                t("columns.actor"),
                t("columns.outcome"),
                t("columns.duration"),
                t("columns.undoCopy"),
              ]}
              actionsLabel={isAdmin ? t("columns.actions") : undefined}
            />
            <TableBody>
              {runs.data.map((run) => (
                <RunRow
                  key={run.id}
                  run={run}
                  undid={run.undoOf ? runs.data.find((r) => r.id === run.undoOf) : undefined}
                  isAdmin={isAdmin}
                  undoable={run === undoable}
                  byId={byId}
                  onUndo={(target) => {
                    setUndo(target);
                    setUndoOpen(true);
                  }}
                />
              ))}
            </TableBody>
          </Table>
        )}
        {undo?.method === "swap" ? (
          <UndoRestoreDialog
            key={undo.run.id}
            workload={workload}
            run={undo.run}
            subject={undo.subject}
            open={undoOpen}
            onOpenChange={setUndoOpen}
          />
        ) : undo?.method === "snapshot" ? (
          <RestoreDialog
            key={undo.run.id}
            workload={workload}
            snapshot={undo.snapshot}
            purpose="undo"
            open={undoOpen}
            onOpenChange={setUndoOpen}
          />
        ) : null}
      </CardContent>
    </Card>
  );
}

function RunRow({
  run,
  undid,
  isAdmin,
  undoable,
  byId,
  onUndo,
}: {
  run: RestoreRunView;
  /** for an undo: the run it undid */
  undid: RestoreRunView | undefined;
  isAdmin: boolean;
  undoable: boolean;
  byId: ReadonlyMap<string, SnapshotView>;
  onUndo: (target: UndoTarget) => void;
}) {
  const t = useTranslations("restoreHistory");
  const tr = useTranslations("restoreDialog");
  const snapshotName = useSnapshotName();
  const snapshot = byId.get(run.snapshotId);
  const preRestore = run.preRestoreSnapshotId ? byId.get(run.preRestoreSnapshotId) : undefined;
  const snapshotLabel = (id: string) => {
    const found = byId.get(id);
    return found ? snapshotName(found) : t("deletedSnapshot", { id: id.slice(0, 8) });
  };
  const undidName = undid ? snapshotLabel(undid.snapshotId) : null;
  const undoOf = run.undoOf ? (undidName ? t("undoOf", { name: undidName }) : t("undoOfUnknown")) : null;
  // A swap back restores data that never became a snapshot: such a run is named by what it undid.
  const name = snapshot ? snapshotName(snapshot) : (undoOf ?? snapshotLabel(run.snapshotId));
  // What this run's Undo undoes: this restore, or for an undo, the undo of the restore it undid.
  const subject: UndoSubject = undidName ? { kind: "undo", name: undidName } : { kind: "restore", name };
  const method = undoable ? undoMethod(run) : null;
  const undoButton = (target: UndoTarget) => (
    <Button variant="outline" size="sm" aria-label={tr("undoName", subject)} onClick={() => onUndo(target)}>
      {tr("undo")}
    </Button>
  );
  return (
    <TableRow>
      <TableCell className="whitespace-nowrap">
        <DateTime value={run.startedAt} />
      </TableCell>
      <TableCell className="max-w-[16rem] break-words">
        <div className="flex flex-col gap-0.5">
          {snapshot || undoOf ? name : <span className="text-muted-foreground">{name}</span>}
          {snapshot && undoOf ? <span className="text-xs text-muted-foreground">{undoOf}</span> : null}
        </div>
      </TableCell>
      <TableCell className="break-words">{run.actor}</TableCell>
      <TableCell className="max-w-[20rem]">
        <Outcome run={run} />
      </TableCell>
      <TableCell className="min-w-[13rem]">
        <Timing run={run} />
      </TableCell>
      <TableCell className="max-w-[16rem] text-xs break-words">
        <UndoCopyState run={run} preRestore={preRestore} />
      </TableCell>
      {isAdmin ? (
        <TableCell className="text-right">
          {method === "swap" ? (
            undoButton({ run, subject, method })
          ) : method === "snapshot" ? (
            preRestore ? (
              undoButton({ run, subject, method, snapshot: preRestore })
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
  const tRoot = useTranslations();
  const phaseLabel = useRestorePhaseLabel();
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
  const known = isRestoreOutcome(run.outcome) ? run.outcome : null;
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
      {run.detail ? (
        <span className="text-xs break-words text-muted-foreground">
          {isRestoreRunDetail(run.detail) ? t(`details.${run.detail}`) : reasonText(tRoot, run.detailReason, run.detailParams, run.detail)}
        </span>
      ) : null}
    </div>
  );
}

/** A restore phase in short words (the history's), or as the engine sent it. */
function useRestorePhaseLabel() {
  const t = useTranslations("restoreHistory");
  const operationPhase = usePhaseLabel();
  return (phase: string) => {
    const step = restoreStepOf(phase);
    return step ? t(`phases.${step}`) : operationPhase(phase);
  };
}

/** Down for, up after, the whole run, and each phase's time behind a disclosure. */
function Timing({ run }: { run: RestoreRunView }) {
  const t = useTranslations("restoreHistory");
  const ms = useFormatMs();
  const phaseLabel = useRestorePhaseLabel();
  const lines = [
    run.downtimeMs !== null ? t("downFor", { time: ms(run.downtimeMs) }) : run.upAfterMs !== null ? t("noDowntime") : null,
    run.upAfterMs !== null ? t("upAfter", { time: ms(run.upAfterMs) }) : null,
    run.durationMs !== null ? t("total", { time: ms(run.durationMs) }) : null,
  ].filter((line) => line !== null);
  if (lines.length === 0 && run.phases.length === 0) return <span className="text-muted-foreground">—</span>;
  return (
    <div className="flex flex-col gap-0.5 text-xs tabular-nums">
      {lines.map((line, i) => (
        <span key={line} className={i === 0 ? "text-sm font-medium" : "text-muted-foreground"}>
          {line}
        </span>
      ))}
      {run.phases.length > 0 ? (
        <details className="mt-1">
          <summary className="cursor-pointer text-muted-foreground select-none">{t("phasesShow")}</summary>
          <ol className="mt-1 flex flex-col gap-0.5" aria-label={t("phasesLabel")}>
            {run.phases.map((p, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a finished run's phases never reorder, and a phase may recur
              <li key={`${p.phase}-${i}`} className="flex justify-between gap-3">
                <span>{phaseLabel(p.phase)}</span>
                <span className="whitespace-nowrap text-muted-foreground">{ms(p.ms)}</span>
              </li>
            ))}
          </ol>
        </details>
      ) : null}
    </div>
  );
}

/** Where the data from before the restore is: on disk for a swap back, in a snapshot, or nowhere. */
function UndoCopyState({ run, preRestore }: { run: RestoreRunView; preRestore: SnapshotView | undefined }) {
  const t = useTranslations("restoreHistory");
  const snapshotName = useSnapshotName();
  switch (run.undoCopy) {
    case "pending":
      return <span>{t("undoCopy.pending")}</span>;
    case "saved":
    case null:
      // null: a run from before undo copies had states; its snapshot is all there is.
      if (preRestore) return <span>{t("undoCopy.saved", { name: snapshotName(preRestore) })}</span>;
      return <span className="text-muted-foreground">{run.preRestoreSnapshotId ? t("undoCopy.deleted") : "—"}</span>;
    case "none":
      return <span className="text-muted-foreground">{t("undoCopy.none")}</span>;
    case "undone":
      return <span className="text-muted-foreground">{t("undoCopy.undone")}</span>;
    case "failed":
      return <span className="text-warning-soft-foreground">{t("undoCopy.failed")}</span>;
    default:
      return <span>{run.undoCopy}</span>;
  }
}
