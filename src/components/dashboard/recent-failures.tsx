"use client";

import Link from "next/link";
import { useTranslations } from "next-intl";
import { useId } from "react";
import { DateTime } from "~/components/format/date-time";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { Table, TableBody, TableCell, TableColumns, TableRow } from "~/components/ui/table";
import { reasonText, type Translator } from "~/components/ui/trpc-error";
import type { DashboardFailure } from "./types";

/**
 * Failed scheduled runs, prunes, restores, off-host copies, verifications and test restores of
 * the last days, newest first, with why in the UI's language.
 */
export function RecentFailures({ failures }: { failures: readonly DashboardFailure[] }) {
  const t = useTranslations("dashboard.failures");
  const root = useTranslations() as unknown as Translator;
  const titleId = useId();
  const kinds: Record<DashboardFailure["kind"], string> = {
    schedule: t("kinds.schedule"),
    prune: t("kinds.prune"),
    restore: t("kinds.restore"),
    copy: t("kinds.copy"),
    verify: t("kinds.verify"),
    "test-restore": t("kinds.test-restore"),
  };
  return (
    <Card role="region" aria-labelledby={titleId} data-testid="dashboard-failures">
      <CardHeader>
        <CardTitle id={titleId}>{t("title")}</CardTitle>
        <CardDescription>{t("description")}</CardDescription>
      </CardHeader>
      <CardContent>
        {failures.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("empty")}</p>
        ) : (
          <Table>
            <TableColumns columns={[t("columns.when"), t("columns.kind"), t("columns.workload"), t("columns.reason")]} />
            <TableBody>
              {failures.map((f) => (
                <TableRow key={`${f.kind}-${f.runId}`}>
                  <TableCell className="whitespace-nowrap">
                    <DateTime value={f.at} />
                  </TableCell>
                  <TableCell className="whitespace-nowrap">{kinds[f.kind]}</TableCell>
                  <TableCell>
                    <Link href={`/workloads/${f.workloadId}`} className="font-mono break-all underline-offset-4 hover:underline">
                      {f.workloadName}
                    </Link>
                  </TableCell>
                  <TableCell className="break-words">{reasonText(root, f.reason, f.params, f.message ?? t("unknownReason"))}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </CardContent>
    </Card>
  );
}
