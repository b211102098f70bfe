"use client";

import Link from "next/link";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { OffHostPanel } from "~/components/off-host/off-host-panel";
import { TestRestoresCard } from "~/components/off-host/test-restores-card";
import { RetentionPanel } from "~/components/retention/retention-panel";
import { SchedulesPanel } from "~/components/schedules/schedules-panel";
import { SnapshotCoverageCard } from "~/components/snapshots/coverage-panel";
import { RestoreHistoryCard } from "~/components/snapshots/restore-history";
import { WorkloadSnapshotsCard } from "~/components/snapshots/workload-snapshots-panel";
import { Alert } from "~/components/ui/alert";
import { Badge } from "~/components/ui/badge";
import { buttonVariants } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { Table, TableBody, TableCell, TableColumns, TableRow } from "~/components/ui/table";
import { SECRET_MASK } from "~/shared/secret-mask";
import { api } from "~/trpc/react";
import { ContainerStatsCard } from "./container-stats-card";
import { DeleteWorkloadDialog } from "./delete-workload-dialog";
import { LogsPanel } from "./logs-panel";
import { PendingChangesBanner } from "./pending-changes-banner";
import { describeDataLocation, formatCommandForDisplay, type WorkloadView } from "./options";
import { DeployFailureDetail, StatusBadge, StatusDetail } from "./status-badge";
import { WorkloadLifecycleActions } from "./workload-actions";
import { WorkloadEventsCard } from "./workload-events-card";

export const DETAIL_REFRESH_MS = 5_000;

export function WorkloadDetail({ id, isAdmin }: { id: string; isAdmin: boolean }) {
  const t = useTranslations("workloadDetail");
  const tw = useTranslations("workloads");
  const [deleted, setDeleted] = useState(false);
  const query = api.workload.get.useQuery(
    { id },
    {
      enabled: !deleted,
      refetchInterval: DETAIL_REFRESH_MS,
      retry: (count, error) => error.data?.code !== "NOT_FOUND" && count < 2,
    },
  );

  if (deleted) {
    return (
      <p role="status" className="text-sm text-muted-foreground">
        {t("deleted")}
      </p>
    );
  }
  if (query.isPending) return <p className="text-sm text-muted-foreground">{t("loading")}</p>;
  if (query.error?.data?.code === "NOT_FOUND") {
    return (
      <div className="rounded-lg border border-dashed border-border px-6 py-12 text-center">
        <h1 className="font-medium">{t("notFound")}</h1>
        <p className="mt-1 text-sm text-muted-foreground">{t("notFoundDescription")}</p>
        <Link href="/workloads" className={buttonVariants({ variant: "outline", className: "mt-4" })}>
          {t("backToList")}
        </Link>
      </div>
    );
  }
  if (!query.data) {
    return (
      <Alert variant="destructive" role="alert">
        {t("loadFailed", { message: query.error?.message ?? "" })}
      </Alert>
    );
  }

  const w = query.data;
  return (
    <div className="flex flex-col gap-6">
      <div>
        <nav aria-label={t("breadcrumb")} className="mb-2 text-sm text-muted-foreground">
          <ol className="flex flex-wrap items-center gap-1.5">
            <li>
              <Link href="/workloads" className="underline-offset-4 hover:text-foreground hover:underline">
                {tw("title")}
              </Link>
            </li>
            <li aria-hidden="true">/</li>
            <li className="font-mono">{w.projectSlug}</li>
            <li aria-hidden="true">/</li>
            <li className="font-mono">{w.stageSlug}</li>
          </ol>
        </nav>
        <div className="flex flex-wrap items-start justify-between gap-4">
          <div className="flex flex-col gap-2">
            <h1 className="font-mono text-2xl font-bold tracking-tight break-all">{w.name}</h1>
            <div className="flex flex-wrap items-center gap-2 text-sm text-muted-foreground" role="group" aria-label={t("statusLabel")}>
              <StatusBadge status={w.status} />
              {w.busy ? (
                <Badge variant="outline" title={tw("busyHint")}>
                  {tw("busy")}
                </Badge>
              ) : null}
              <StatusDetail status={w.status} />
              <DeployFailureDetail failure={w.lastDeployFailure} />
            </div>
          </div>
          {isAdmin ? (
            <WorkloadLifecycleActions
              workload={w}
              size="default"
              errorBelow
              className="max-w-full"
              extra={
                <>
                  <Link href={`/workloads/${w.id}/edit`} className={buttonVariants({ variant: "outline" })}>
                    {t("edit")}
                  </Link>
                  <DeleteWorkloadDialog workload={w} onDeleted={() => setDeleted(true)} />
                </>
              }
            />
          ) : null}
        </div>
        {query.error ? (
          <Alert variant="warning" role="alert" className="mt-4">
            {t("refreshFailed", { message: query.error.message })}
          </Alert>
        ) : null}
      </div>

      <PendingChangesBanner workload={w} isAdmin={isAdmin} />
      <Overview workload={w} />
      <ContainerStatsCard workloadId={w.id} />
      <VolumesCard workload={w} isAdmin={isAdmin} />
      <SnapshotCoverageCard workloadId={w.id} statusKey={w.status.state} />
      <WorkloadSnapshotsCard workload={w} isAdmin={isAdmin} />
      <OffHostPanel workloadId={w.id} isAdmin={isAdmin} />
      <TestRestoresCard workloadId={w.id} />
      <SchedulesPanel workloadId={w.id} isAdmin={isAdmin} />
      <RetentionPanel workloadId={w.id} isAdmin={isAdmin} />
      <WorkloadEventsCard workloadId={w.id} />
      <RestoreHistoryCard workload={w} isAdmin={isAdmin} />
      <LogsPanel workloadId={w.id} status={w.status} />
    </div>
  );
}

function Overview({ workload: w }: { workload: WorkloadView }) {
  const t = useTranslations("workloadDetail");
  const tw = useTranslations("workloads");
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("overview")}</CardTitle>
      </CardHeader>
      <CardContent>
        <dl className="grid grid-cols-1 gap-x-6 gap-y-3 text-sm sm:grid-cols-[max-content_1fr]">
          <dt className="font-medium text-muted-foreground">{t("fields.project")}</dt>
          <dd className="font-mono">{w.projectSlug}</dd>
          <dt className="font-medium text-muted-foreground">{t("fields.stage")}</dt>
          <dd className="font-mono">{w.stageSlug}</dd>
          <dt className="font-medium text-muted-foreground">{t("fields.image")}</dt>
          <dd className="font-mono break-all">{w.image}</dd>
          <dt className="font-medium text-muted-foreground">{t("fields.command")}</dt>
          <dd>
            {w.command.length === 0 ? (
              <span className="text-muted-foreground">{t("imageDefaultCommand")}</span>
            ) : (
              <code className="font-mono text-xs break-all whitespace-pre-wrap">{formatCommandForDisplay(w.command)}</code>
            )}
          </dd>
          <dt className="font-medium text-muted-foreground">{t("fields.restartPolicy")}</dt>
          <dd>{tw(`restartPolicies.${w.restartPolicy}`)}</dd>
          <dt className="font-medium text-muted-foreground">{t("fields.container")}</dt>
          <dd className="font-mono break-all">{w.containerName}</dd>
          <dt className="font-medium text-muted-foreground">{t("fields.ports")}</dt>
          <dd>
            {w.ports.length === 0 ? (
              <span className="text-muted-foreground">{t("none")}</span>
            ) : (
              <ul className="flex flex-col gap-0.5 font-mono text-xs">
                {w.ports.map((p) => (
                  <li key={`${p.hostPort}/${p.protocol}`}>
                    {p.hostPort} → {p.containerPort}/{p.protocol}
                  </li>
                ))}
              </ul>
            )}
          </dd>
          <dt className="font-medium text-muted-foreground">{t("fields.env")}</dt>
          <dd>
            {w.env.length === 0 ? (
              <span className="text-muted-foreground">{t("none")}</span>
            ) : (
              <ul className="flex flex-col gap-0.5">
                {w.env.map((e) => (
                  <li key={e.key} className="font-mono text-xs break-all">
                    {e.key}={e.secret ? SECRET_MASK : e.value}
                    {e.secret ? (
                      <Badge variant="secondary" className="ml-2 font-sans">
                        {t("secret")}
                      </Badge>
                    ) : null}
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </dl>
      </CardContent>
    </Card>
  );
}

function VolumesCard({ workload: w, isAdmin }: { workload: WorkloadView; isAdmin: boolean }) {
  const t = useTranslations("workloadDetail");
  const tw = useTranslations("workloads");
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("volumes.title")}</CardTitle>
        <CardDescription>{isAdmin ? t("volumes.descriptionAdmin") : t("volumes.descriptionViewer")}</CardDescription>
      </CardHeader>
      <CardContent>
        {w.volumePreview.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("volumes.empty")}</p>
        ) : (
          <Table>
            <TableColumns
              columns={[t("volumes.target"), t("volumes.scope"), t("volumes.source"), t("volumes.access"), t("volumes.location")]}
            />
            <TableBody>
              {w.volumePreview.map((v) => {
                const described = describeDataLocation(v, { project: w.projectSlug, stage: w.stageSlug });
                return (
                  <TableRow key={v.target}>
                    <TableCell className="font-mono text-xs break-all">{v.target}</TableCell>
                    <TableCell className="whitespace-nowrap">{tw(`scopes.${v.scope}`)}</TableCell>
                    <TableCell className="font-mono text-xs break-all">{v.source}</TableCell>
                    <TableCell className="whitespace-nowrap">{v.readOnly ? t("volumes.readOnly") : t("volumes.readWrite")}</TableCell>
                    <TableCell className="font-mono text-xs break-all">
                      {v.hostPath ?? (v.scope === "named" ? t("volumes.namedVolume", { name: v.source }) : (described ?? v.source))}
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        )}
      </CardContent>
    </Card>
  );
}
