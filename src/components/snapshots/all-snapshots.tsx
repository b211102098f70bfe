"use client";

import Link from "next/link";
import { useTranslations } from "next-intl";
import { useRef, useState } from "react";
import { useFormatBytes } from "~/components/format/use-format";
import { Alert } from "~/components/ui/alert";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import type { WorkloadView } from "~/components/workloads/options";
import { api } from "~/trpc/react";
import { DeletedNotice, type DeletedSnapshot } from "./delete-snapshot-dialog";
import { type SnapshotView, totalSize } from "./options";
import { useUndoCopyId } from "./restore-history";
import { SnapshotsTable } from "./snapshots-table";

export const ALL_SNAPSHOTS_REFRESH_MS = 15_000;

interface WorkloadGroup {
  workloadId: string;
  workload: WorkloadView | undefined;
  snapshots: SnapshotView[];
  total: number;
}

/** Snapshots grouped by workload, in project / stage / name order; each group newest first. */
function groupByWorkload(snapshots: SnapshotView[], workloads: WorkloadView[]): WorkloadGroup[] {
  const byId = new Map(workloads.map((w) => [w.id, w]));
  const groups = new Map<string, WorkloadGroup>();
  for (const s of snapshots) {
    let group = groups.get(s.workloadId);
    if (!group) {
      group = { workloadId: s.workloadId, workload: byId.get(s.workloadId), snapshots: [], total: 0 };
      groups.set(s.workloadId, group);
    }
    group.snapshots.push(s);
    group.total += Number(s.size);
  }
  const sortKey = (g: WorkloadGroup) =>
    g.workload ? `${g.workload.projectSlug}/${g.workload.stageSlug}/${g.workload.name}` : `~${g.workloadId}`;
  return [...groups.values()].sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
}

/** Every workload's snapshots, with the space each workload's snapshots take. */
export function AllSnapshots({ isAdmin }: { isAdmin: boolean }) {
  const t = useTranslations("snapshots");
  const bytes = useFormatBytes();
  const snapshots = api.snapshot.list.useQuery({}, { refetchInterval: ALL_SNAPSHOTS_REFRESH_MS });
  const workloads = api.workload.list.useQuery();
  const [deleted, setDeleted] = useState<DeletedSnapshot | null>(null);
  const summaryRef = useRef<HTMLParagraphElement>(null);

  if (snapshots.isPending || workloads.isPending) return <p className="text-sm text-muted-foreground">{t("loading")}</p>;
  if (!snapshots.data || !workloads.data) {
    return (
      <Alert variant="destructive" role="alert">
        {t("loadFailed", { message: (snapshots.error ?? workloads.error)?.message ?? "" })}
      </Alert>
    );
  }

  const groups = groupByWorkload(snapshots.data, workloads.data);
  return (
    <div className="flex flex-col gap-6">
      <p ref={summaryRef} tabIndex={-1} className="text-sm text-muted-foreground focus:outline-none">
        {snapshots.data.length === 0
          ? null
          : t("summary", { count: snapshots.data.length, workloads: groups.length, size: bytes(totalSize(snapshots.data)) })}
      </p>
      {deleted ? <DeletedNotice deleted={deleted} onDismiss={() => setDeleted(null)} /> : null}
      {groups.length === 0 ? (
        <div className="rounded-lg border border-dashed border-border px-6 py-12 text-center">
          <p className="font-medium">{t("empty")}</p>
          <p className="mx-auto mt-1 max-w-prose text-sm text-muted-foreground">{isAdmin ? t("emptyAdmin") : t("emptyViewer")}</p>
        </div>
      ) : (
        groups.map((group) => (
          <WorkloadGroupCard
            key={group.workloadId}
            group={group}
            now={new Date(snapshots.dataUpdatedAt)}
            isAdmin={isAdmin}
            onDeleted={setDeleted}
            focusAfterDelete={() => summaryRef.current?.focus()}
          />
        ))
      )}
    </div>
  );
}

function WorkloadGroupCard({
  group,
  now,
  isAdmin,
  onDeleted,
  focusAfterDelete,
}: {
  group: WorkloadGroup;
  now: Date;
  isAdmin: boolean;
  onDeleted: (deleted: DeletedSnapshot) => void;
  focusAfterDelete: () => void;
}) {
  const t = useTranslations("snapshots");
  const bytes = useFormatBytes();
  // Only a workload with "Before restore" snapshots can have one that Undo uses.
  const undoCopyId = useUndoCopyId(
    group.workloadId,
    group.snapshots.some((s) => s.kind === "pre-restore"),
  );
  const headingId = `snapshots-${group.workloadId}`;
  const w = group.workload;
  return (
    <Card role="region" aria-labelledby={headingId}>
      <CardHeader>
        <CardTitle id={headingId} className="font-mono">
          {w ? (
            <Link
              href={`/workloads/${w.id}`}
              className="text-primary underline-offset-4 hover:underline focus-visible:outline-2 focus-visible:outline-ring"
            >
              {w.name}
            </Link>
          ) : (
            t("unknownWorkload")
          )}
        </CardTitle>
        <CardDescription>
          {w ? (
            <>
              <span className="font-mono">
                {w.projectSlug} / {w.stageSlug}
              </span>
              {" · "}
            </>
          ) : null}
          {t("workloadSummary", { count: group.snapshots.length, size: bytes(group.total) })}
        </CardDescription>
      </CardHeader>
      <CardContent>
        <SnapshotsTable
          snapshots={group.snapshots}
          workloadId={group.workloadId}
          workload={w}
          undoCopyId={undoCopyId}
          isAdmin={isAdmin}
          onDeleted={onDeleted}
          focusAfterDelete={focusAfterDelete}
          now={now}
        />
      </CardContent>
    </Card>
  );
}
