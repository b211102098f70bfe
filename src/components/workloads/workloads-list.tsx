"use client";

import Link from "next/link";
import { useTranslations } from "next-intl";
import { Alert } from "~/components/ui/alert";
import { Badge } from "~/components/ui/badge";
import { buttonVariants } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { Table, TableBody, TableCell, TableColumns, TableRow } from "~/components/ui/table";
import { api } from "~/trpc/react";
import type { Project, WorkloadView } from "./options";
import { StatusBadge } from "./status-badge";
import { WorkloadLifecycleActions } from "./workload-actions";

export const LIST_REFRESH_MS = 5_000;

interface StageGroup {
  key: string;
  slug: string;
  name: string;
  projectId?: string;
  stageId?: string;
  workloads: WorkloadView[];
}
interface ProjectGroup {
  key: string;
  slug: string;
  name: string;
  projectId?: string;
  stages: StageGroup[];
}

/**
 * Every project and stage in slug order (empty ones too, so admins can add to them), each
 * with its workloads. A workload whose project is not in the project list (created a moment
 * ago) still shows, under its slugs.
 */
function groupWorkloads(projects: Project[], workloads: WorkloadView[]): ProjectGroup[] {
  const groups = new Map<string, ProjectGroup>();
  for (const p of projects) {
    groups.set(p.id, {
      key: p.id,
      slug: p.slug,
      name: p.name,
      projectId: p.id,
      stages: p.stages.map((s) => ({ key: s.id, slug: s.slug, name: s.name, projectId: p.id, stageId: s.id, workloads: [] })),
    });
  }
  for (const w of workloads) {
    let project = groups.get(w.projectId);
    if (!project) {
      project = { key: w.projectId, slug: w.projectSlug, name: w.projectSlug, stages: [] };
      groups.set(w.projectId, project);
    }
    let stage = project.stages.find((s) => s.stageId === w.stageId || (!s.stageId && s.slug === w.stageSlug));
    if (!stage) {
      stage = { key: w.stageId, slug: w.stageSlug, name: w.stageSlug, workloads: [] };
      project.stages.push(stage);
    }
    stage.workloads.push(w);
  }
  return [...groups.values()].sort((a, b) => a.slug.localeCompare(b.slug));
}

/**
 * The page header's links. "New workload" only once there is something to list: before
 * that the empty state offers the one next step (create a project, or a workload).
 */
export function WorkloadsPageActions({ isAdmin }: { isAdmin: boolean }) {
  const t = useTranslations("workloads");
  const workloads = api.workload.list.useQuery(undefined, { refetchInterval: LIST_REFRESH_MS });
  return (
    <div className="mb-6 flex flex-wrap gap-2">
      <Link href="/projects" className={buttonVariants({ variant: "outline" })}>
        {t("manageProjects")}
      </Link>
      {isAdmin && workloads.data && workloads.data.length > 0 ? (
        <Link href="/workloads/new" className={buttonVariants()}>
          {t("newWorkload")}
        </Link>
      ) : null}
    </div>
  );
}

export function WorkloadsList({ isAdmin }: { isAdmin: boolean }) {
  const t = useTranslations("workloads");
  const workloads = api.workload.list.useQuery(undefined, { refetchInterval: LIST_REFRESH_MS });
  const projects = api.project.list.useQuery();

  if (workloads.isPending || projects.isPending) return <p className="text-sm text-muted-foreground">{t("loading")}</p>;
  if (workloads.error || projects.error) {
    return (
      <Alert variant="destructive" role="alert">
        {t("loadFailed", { message: (workloads.error ?? projects.error)!.message })}
      </Alert>
    );
  }

  if (workloads.data.length === 0) {
    const noProjects = projects.data.length === 0;
    return (
      <div className="rounded-lg border border-dashed border-border px-6 py-12 text-center">
        <p className="font-medium">{t("empty")}</p>
        <p className="mx-auto mt-1 max-w-prose text-sm text-muted-foreground">
          {!isAdmin ? t("emptyViewer") : noProjects ? t("emptyNoProjects") : t("emptyNoWorkloads")}
        </p>
        {isAdmin ? (
          <div className="mt-4 flex flex-wrap justify-center gap-2">
            {noProjects ? (
              <Link href="/projects" className={buttonVariants()}>
                {t("createProject")}
              </Link>
            ) : (
              <Link href="/workloads/new" className={buttonVariants()}>
                {t("newWorkload")}
              </Link>
            )}
          </div>
        ) : null}
      </div>
    );
  }

  const groups = groupWorkloads(projects.data, workloads.data);
  return (
    <div className="flex flex-col gap-6">
      {groups.map((project) => (
        <Card key={project.key} role="region" aria-labelledby={`project-${project.key}`}>
          <CardHeader>
            <CardTitle id={`project-${project.key}`}>
              {project.name}
              {project.name !== project.slug ? (
                <span className="ml-2 font-mono text-sm font-normal text-muted-foreground">{project.slug}</span>
              ) : null}
            </CardTitle>
            <CardDescription>{t("projectSummary", { count: project.stages.reduce((n, s) => n + s.workloads.length, 0) })}</CardDescription>
          </CardHeader>
          <CardContent className="flex flex-col gap-5">
            {project.stages.length === 0 ? <p className="text-sm text-muted-foreground">{t("projectNoStages")}</p> : null}
            {project.stages.map((stage) => (
              <StageSection key={stage.key} project={project} stage={stage} isAdmin={isAdmin} />
            ))}
          </CardContent>
        </Card>
      ))}
    </div>
  );
}

function StageSection({ project, stage, isAdmin }: { project: ProjectGroup; stage: StageGroup; isAdmin: boolean }) {
  const t = useTranslations("workloads");
  const tc = useTranslations("workloadChanges");
  const headingId = `stage-${stage.key}`;
  const addHref = project.projectId && stage.stageId ? `/workloads/new?project=${project.projectId}&stage=${stage.stageId}` : null;
  return (
    <section aria-labelledby={headingId}>
      <div className="mb-2 flex flex-wrap items-center justify-between gap-2">
        <h3 id={headingId} className="text-sm font-semibold">
          <span className="sr-only">{t("stageLabel")} </span>
          {stage.name}
          {stage.name !== stage.slug ? (
            <span className="ml-2 font-mono text-xs font-normal text-muted-foreground">{stage.slug}</span>
          ) : null}
        </h3>
        {isAdmin && addHref ? (
          <Link
            href={addHref}
            className={buttonVariants({ variant: "ghost", size: "sm" })}
            aria-label={t("addToStage", { project: project.slug, stage: stage.slug })}
          >
            {t("addHere")}
          </Link>
        ) : null}
      </div>
      {stage.workloads.length === 0 ? (
        <p className="text-sm text-muted-foreground">{t("stageEmpty")}</p>
      ) : (
        <Table>
          <TableColumns
            columns={[t("columns.name"), t("columns.status"), t("columns.image"), t("columns.volumes")]}
            actionsLabel={isAdmin ? t("columns.actions") : undefined}
          />
          <TableBody>
            {stage.workloads.map((w) => (
              <TableRow key={w.id}>
                <TableCell className="font-medium">
                  <Link
                    href={`/workloads/${w.id}`}
                    className="text-primary underline-offset-4 hover:underline focus-visible:outline-2 focus-visible:outline-ring"
                  >
                    {w.name}
                  </Link>
                </TableCell>
                <TableCell>
                  <span className="inline-flex flex-wrap items-center gap-1.5">
                    <StatusBadge status={w.status} />
                    {w.busy ? (
                      <Badge variant="outline" title={t("busyHint")}>
                        {t("busy")}
                      </Badge>
                    ) : null}
                    {w.pendingChanges ? (
                      <Badge variant="secondary" title={tc("notAppliedHint")}>
                        {tc("notApplied")}
                      </Badge>
                    ) : null}
                    {w.lastDeployFailure ? <Badge variant="destructive">{tc("deployFailed")}</Badge> : null}
                  </span>
                </TableCell>
                <TableCell className="max-w-[16rem] truncate font-mono text-xs" title={w.image}>
                  {w.image}
                </TableCell>
                <TableCell className="whitespace-nowrap">{t("volumeCount", { count: w.volumes.length })}</TableCell>
                {isAdmin ? (
                  <TableCell className="text-right">
                    <WorkloadLifecycleActions workload={w} className="items-end" errorClassName="text-right" />
                  </TableCell>
                ) : null}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </section>
  );
}
