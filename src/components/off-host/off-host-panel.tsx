"use client";

import { useTranslations } from "next-intl";
import { useId, useState } from "react";
import type { SnapshotView } from "~/components/snapshots/options";
import { useSnapshotName } from "~/components/snapshots/snapshot-name";
import { OperationProgress } from "~/components/snapshots/snapshot-progress";
import { Alert } from "~/components/ui/alert";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { DismissibleAlert } from "~/components/ui/dismissible-alert";
import { describeError } from "~/components/ui/trpc-error";
import { api } from "~/trpc/react";
import { CopiesTable } from "./copies-table";
import { CopyPolicy } from "./copy-policy";
import { anyCopyUnderway } from "./options";
import { useOffHostProgress } from "./use-off-host-progress";

// Re-read while copies wait or run: a queued retry starts on its own, at its back-off time.
const UNDERWAY_REFRESH_MS = 5_000;

/**
 * A workload's copies off this host: admins choose the storage targets its new snapshots are
 * copied to; everyone sees each copy's state, live while it is written; admins retry a failed
 * copy and fetch one back when this server lost (or pruned) its snapshot.
 */
export function OffHostPanel({ workloadId, isAdmin }: { workloadId: string; isAdmin: boolean }) {
  const t = useTranslations("offHost");
  const titleId = useId();
  const copiesId = useId();
  const snapshotName = useSnapshotName();
  const copies = api.snapshot.copies.useQuery(
    { workloadId },
    { refetchInterval: (q) => (anyCopyUnderway(q.state.data) ? UNDERWAY_REFRESH_MS : false) },
  );
  const snapshots = api.snapshot.list.useQuery({ workloadId });
  const progress = useOffHostProgress(workloadId);
  const [fetched, setFetched] = useState<SnapshotView | null>(null);
  const local = new Map((snapshots.data ?? []).map((s) => [s.id, s]));

  return (
    <Card role="region" aria-labelledby={titleId} data-testid="off-host-panel">
      <CardHeader>
        <CardTitle id={titleId}>{t("title")}</CardTitle>
        <CardDescription>{t("description")}</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-6">
        {isAdmin ? <CopyPolicy workloadId={workloadId} /> : null}
        {/* A fetch from here, from a target's archive list, or from the CLI. */}
        {progress.fetch ? <OperationProgress operation={progress.fetch} /> : null}
        {fetched ? (
          <DismissibleAlert variant="success" role="status" onDismiss={() => setFetched(null)}>
            {t("fetched", { name: snapshotName(fetched) })}
          </DismissibleAlert>
        ) : null}
        <section className="flex flex-col gap-3" aria-labelledby={copiesId}>
          <h3 id={copiesId} className="text-sm font-medium">
            {t("copies.title")}
          </h3>
          {copies.isPending ? (
            <p className="text-sm text-muted-foreground">{t("copies.loading")}</p>
          ) : !copies.data ? (
            <Alert variant="destructive" role="alert">
              {t("copies.loadFailed", { message: describeError(copies.error)?.message ?? "" })}
            </Alert>
          ) : copies.data.length === 0 ? (
            <p className="text-sm text-muted-foreground">{t("copies.empty")}</p>
          ) : (
            <CopiesTable
              copies={copies.data}
              snapshots={local}
              isAdmin={isAdmin}
              progressOf={progress.copy}
              fetching={progress.fetch}
              onFetched={setFetched}
            />
          )}
        </section>
      </CardContent>
    </Card>
  );
}
