"use client";

import { useTranslations } from "next-intl";
import { useEffect, useId, useRef } from "react";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { Table, TableBody, TableCell, TableColumns, TableRow } from "~/components/ui/table";
import { isCoverageSkipReason } from "~/shared/coverage";
import { api } from "~/trpc/react";

export const COVERAGE_REFRESH_MS = 10_000;

/** The coverage query, shared by the coverage card and the snapshot actions (same cache entry). */
export function useSnapshotCoverage(workloadId: string) {
  return api.snapshot.snapshotable.useQuery({ workloadId }, { refetchInterval: COVERAGE_REFRESH_MS });
}

/**
 * What a snapshot of this workload contains and, just as plainly, what it leaves out and
 * why, so nobody mistakes a snapshot for a backup of everything the container uses.
 * `statusKey` changes when the container's state does: a deploy creates missing folders,
 * which changes the coverage, so it is re-read at once.
 */
export function SnapshotCoverageCard({ workloadId, statusKey }: { workloadId: string; statusKey: string }) {
  const t = useTranslations("snapshotCoverage");
  const tw = useTranslations("workloads");
  const titleId = useId();
  const coverage = useSnapshotCoverage(workloadId);
  const { refetch } = coverage;
  const lastStatus = useRef(statusKey);
  useEffect(() => {
    if (lastStatus.current === statusKey) return;
    lastStatus.current = statusKey;
    void refetch();
  }, [statusKey, refetch]);

  return (
    <Card role="region" aria-labelledby={titleId}>
      <CardHeader>
        <CardTitle id={titleId}>{t("title")}</CardTitle>
        <CardDescription>{t("description")}</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">
        {coverage.isPending ? (
          <p className="text-sm text-muted-foreground">{t("loading")}</p>
        ) : !coverage.data ? (
          <Alert variant="destructive" role="alert">
            {t("loadFailed", { message: coverage.error?.message ?? "" })}
          </Alert>
        ) : coverage.data.volumes.length === 0 && coverage.data.skipped.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("noVolumes")}</p>
        ) : (
          <>
            <section aria-labelledby={`${titleId}-covered`} className="flex flex-col gap-2">
              <h3 id={`${titleId}-covered`} className="text-sm font-semibold">
                {t("covered", { count: coverage.data.volumes.length })}
              </h3>
              {coverage.data.volumes.length === 0 ? (
                <Alert variant="warning">{t("nothingCovered")}</Alert>
              ) : (
                <Table>
                  <TableColumns columns={[t("columns.target"), t("columns.scope"), t("columns.source")]} />
                  <TableBody>
                    {coverage.data.volumes.map((v) => (
                      <TableRow key={v.target}>
                        <TableCell className="font-mono text-xs break-all">{v.target}</TableCell>
                        <TableCell className="whitespace-nowrap">{tw(`scopes.${v.scope}`)}</TableCell>
                        <TableCell className="font-mono text-xs break-all">{v.source}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              )}
              {coverage.data.volumes.length > 0 ? <p className="text-xs text-muted-foreground">{t("entriesNote")}</p> : null}
            </section>
            {coverage.data.skipped.length > 0 ? (
              <Alert variant="warning" role="group" aria-labelledby={`${titleId}-skipped`}>
                <AlertTitle id={`${titleId}-skipped`}>{t("skipped", { count: coverage.data.skipped.length })}</AlertTitle>
                <AlertDescription>
                  <ul className="mt-1 flex flex-col gap-1">
                    {coverage.data.skipped.map((s) => (
                      <li key={s.target} className="break-words">
                        <code className="font-mono text-xs font-semibold">{s.target}</code>
                        {" — "}
                        {isCoverageSkipReason(s.reason) ? t(`reasons.${s.reason}`) : s.reason}
                      </li>
                    ))}
                  </ul>
                </AlertDescription>
              </Alert>
            ) : null}
            {coverage.error ? (
              <Alert variant="warning" role="alert">
                {t("refreshFailed", { message: coverage.error.message })}
              </Alert>
            ) : null}
          </>
        )}
      </CardContent>
    </Card>
  );
}
