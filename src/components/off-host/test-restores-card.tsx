"use client";

import { useTranslations } from "next-intl";
import { useId } from "react";
import { DateTime } from "~/components/format/date-time";
import { useSnapshotName } from "~/components/snapshots/snapshot-name";
import { Alert } from "~/components/ui/alert";
import { Badge } from "~/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { Table, TableBody, TableCell, TableColumns, TableRow } from "~/components/ui/table";
import { describeError, reasonText, type Translator } from "~/components/ui/trpc-error";
import { api } from "~/trpc/react";
import { useTestRestoreOutcomeLabels } from "./labels";
import { anyTestRestoreRunning, type TestRestoreView } from "./options";

// Re-read while one runs: its outcome shows by itself (the stream also refreshes the list when it ends).
const RUNNING_REFRESH_MS = 5_000;

export const TEST_RESTORE_BADGE = { passed: "success", failed: "destructive", interrupted: "warning" } as const;

/**
 * The workload's test restores, newest first: when, which snapshot, the check command, how it
 * ended (and why, translated), the exit code, and the output behind a disclosure. Everyone sees
 * them; admins start one from a snapshot's row.
 */
export function TestRestoresCard({ workloadId }: { workloadId: string }) {
  const t = useTranslations("offHost.testRestores");
  const titleId = useId();
  const runs = api.snapshot.testRestores.useQuery(
    { workloadId },
    { refetchInterval: (q) => (anyTestRestoreRunning(q.state.data) ? RUNNING_REFRESH_MS : false) },
  );
  const snapshots = api.snapshot.list.useQuery({ workloadId });
  const copies = api.snapshot.copies.useQuery({ workloadId });
  const snapshotName = useSnapshotName();
  const nameOf = (snapshotId: string) => {
    const known = snapshots.data?.find((s) => s.id === snapshotId) ?? copies.data?.find((c) => c.snapshotId === snapshotId);
    if (!known) return null;
    return snapshotName({ label: known.label, createdAt: "createdAt" in known ? known.createdAt : known.snapshotCreatedAt });
  };

  return (
    <Card role="region" aria-labelledby={titleId} data-testid="test-restores-panel">
      <CardHeader>
        <CardTitle id={titleId}>{t("title")}</CardTitle>
        <CardDescription>{t("description")}</CardDescription>
      </CardHeader>
      <CardContent>
        {runs.isPending ? (
          <p className="text-sm text-muted-foreground">{t("loading")}</p>
        ) : !runs.data ? (
          <Alert variant="destructive" role="alert">
            {t("loadFailed", { message: describeError(runs.error)?.message ?? "" })}
          </Alert>
        ) : runs.data.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("empty")}</p>
        ) : (
          <Table>
            <TableColumns
              columns={[t("columns.when"), t("columns.snapshot"), t("columns.command"), t("columns.outcome"), t("columns.output")]}
            />
            <TableBody>
              {runs.data.map((run) => (
                <TestRestoreRow key={run.id} run={run} snapshotName={nameOf(run.snapshotId)} />
              ))}
            </TableBody>
          </Table>
        )}
      </CardContent>
    </Card>
  );
}

function TestRestoreRow({ run, snapshotName }: { run: TestRestoreView; snapshotName: string | null }) {
  const t = useTranslations("offHost.testRestores");
  return (
    <TableRow data-testid={`test-restore-row-${run.id}`} data-outcome={run.outcome ?? "running"} className="align-top">
      <TableCell className="min-w-[7rem] text-sm">
        <span className="flex flex-col gap-0.5">
          <DateTime value={run.startedAt} />
          <span className="text-xs break-words text-muted-foreground">{run.actor}</span>
        </span>
      </TableCell>
      <TableCell className="max-w-[12rem] break-words">
        {snapshotName ?? <span className="text-muted-foreground">{t("snapshotGone")}</span>}
      </TableCell>
      <TableCell className="max-w-[16rem]">
        {run.command ? (
          <code className="font-mono text-xs break-all">{run.command}</code>
        ) : (
          <span className="text-xs text-muted-foreground">{t("noCommand")}</span>
        )}
      </TableCell>
      <TableCell className="min-w-[9rem]">
        <TestRestoreOutcome run={run} />
      </TableCell>
      <TableCell className="max-w-[24rem]">
        <TestRestoreOutput output={run.output} />
      </TableCell>
    </TableRow>
  );
}

/** The outcome badge, the exit code and why it failed, in the UI's language. */
export function TestRestoreOutcome({ run }: { run: Pick<TestRestoreView, "outcome" | "exitCode" | "reason" | "params"> }) {
  const outcomes = useTestRestoreOutcomeLabels();
  return (
    <span className="flex flex-col items-start gap-1">
      {run.outcome === null ? (
        <Badge variant="secondary">{outcomes.running}</Badge>
      ) : (
        <Badge variant={TEST_RESTORE_BADGE[run.outcome]}>{outcomes[run.outcome]}</Badge>
      )}
      <TestRestoreDetails run={run} />
    </span>
  );
}

/** The exit code and why it failed (nothing more for a pass). */
export function TestRestoreDetails({ run }: { run: Pick<TestRestoreView, "outcome" | "exitCode" | "reason" | "params"> }) {
  const t = useTranslations("offHost.testRestores");
  const root = useTranslations() as unknown as Translator;
  return (
    <>
      {run.exitCode !== null ? <span className="block text-xs tabular-nums">{t("exitCode", { code: run.exitCode })}</span> : null}
      {run.outcome !== "passed" && run.reason ? (
        <span className="block text-xs break-words">{reasonText(root, run.reason, run.params, t("failedUnknown"))}</span>
      ) : null}
    </>
  );
}

/** The check's output (or the container's log) behind a disclosure: it can be 4 KiB. */
export function TestRestoreOutput({ output, open = false }: { output: string; open?: boolean }) {
  const t = useTranslations("offHost.testRestores");
  if (output.trim() === "") return <span className="text-xs text-muted-foreground">{t("noOutput")}</span>;
  return (
    <details className="text-xs" open={open}>
      <summary className="cursor-pointer text-muted-foreground select-none">{t("showOutput")}</summary>
      <pre
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be keyboard-reachable to scroll (WCAG 2.1.1).
        tabIndex={0}
        className="mt-1 max-h-64 overflow-auto rounded-md border border-border bg-muted p-2 font-mono break-all whitespace-pre-wrap focus-visible:outline-2 focus-visible:outline-ring"
      >
        {output}
      </pre>
    </details>
  );
}
