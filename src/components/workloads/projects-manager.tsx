"use client";

import Link from "next/link";
import { useTranslations } from "next-intl";
import { useRef, useState } from "react";
import { Alert } from "~/components/ui/alert";
import { Button, RowButton } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { CodeInput } from "~/components/ui/code-input";
import { ConfirmDialog, FormDialog } from "~/components/ui/form-dialog";
import { FormField } from "~/components/ui/form-field";
import { Input } from "~/components/ui/input";
import { Table, TableBody, TableCell, TableColumns, TableRow } from "~/components/ui/table";
import { describeError, firstFieldError } from "~/components/ui/trpc-error";
import { useRequestDialog } from "~/components/ui/use-request-dialog";
import { api } from "~/trpc/react";
import { DATA_DIR_TOKEN, type Project } from "./options";

type Stage = Project["stages"][number];

export function ProjectsManager({ isAdmin }: { isAdmin: boolean }) {
  const t = useTranslations("projects");
  const projects = api.project.list.useQuery();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const focusHeading = () => headingRef.current?.focus();

  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <nav aria-label={t("breadcrumb")} className="mb-2 text-sm text-muted-foreground">
            <Link href="/workloads" className="underline-offset-4 hover:text-foreground hover:underline">
              {t("backToWorkloads")}
            </Link>
          </nav>
          <h1 ref={headingRef} tabIndex={-1} className="text-2xl font-bold tracking-tight focus:outline-none">
            {t("title")}
          </h1>
          <p className="mt-1 max-w-prose text-sm text-muted-foreground">{t("description")}</p>
        </div>
        {isAdmin ? <CreateDialog /> : null}
      </div>
      {!isAdmin ? <Alert variant="info">{t("viewerNote")}</Alert> : null}
      {projects.isPending ? (
        <p className="text-sm text-muted-foreground">{t("loading")}</p>
      ) : projects.error ? (
        <Alert variant="destructive" role="alert">
          {t("loadFailed", { message: projects.error.message })}
        </Alert>
      ) : projects.data.length === 0 ? (
        <div className="rounded-lg border border-dashed border-border px-6 py-12 text-center">
          <p className="font-medium">{t("empty")}</p>
          <p className="mx-auto mt-1 max-w-prose text-sm text-muted-foreground">{isAdmin ? t("emptyAdmin") : t("emptyViewer")}</p>
        </div>
      ) : (
        projects.data.map((project) => <ProjectCard key={project.id} project={project} isAdmin={isAdmin} onGone={focusHeading} />)
      )}
    </div>
  );
}

function ProjectCard({ project, isAdmin, onGone }: { project: Project; isAdmin: boolean; onGone: () => void }) {
  const t = useTranslations("projects");
  const titleId = `project-${project.id}`;
  const titleRef = useRef<HTMLHeadingElement>(null);
  return (
    <Card role="region" aria-labelledby={titleId}>
      <CardHeader className="flex-row flex-wrap items-start justify-between gap-3">
        <div className="flex flex-col gap-1.5">
          <CardTitle id={titleId} ref={titleRef} tabIndex={-1} className="focus:outline-none">
            {project.name}
            {project.name !== project.slug ? (
              <span className="ml-2 font-mono text-sm font-normal text-muted-foreground">{project.slug}</span>
            ) : null}
          </CardTitle>
          <CardDescription>{t("projectSummary", { stages: project.stages.length, workloads: project._count.workloads })}</CardDescription>
        </div>
        {isAdmin ? (
          <div className="flex flex-wrap gap-2">
            <CreateDialog project={project} />
            <RenameDialog kind="project" id={project.id} slug={project.slug} name={project.name} />
            <DeleteDialog kind="project" id={project.id} slug={project.slug} workloads={project._count.workloads} onGone={onGone} />
          </div>
        ) : null}
      </CardHeader>
      <CardContent>
        {project.stages.length === 0 ? (
          <p className="text-sm text-muted-foreground">{isAdmin ? t("noStagesAdmin") : t("noStages")}</p>
        ) : (
          <Table>
            <TableColumns
              columns={[t("columns.stage"), t("columns.workloads"), t("columns.dataFolder")]}
              actionsLabel={isAdmin ? t("columns.actions") : undefined}
            />
            <TableBody>
              {project.stages.map((stage) => (
                <StageRow key={stage.id} project={project} stage={stage} isAdmin={isAdmin} onGone={() => titleRef.current?.focus()} />
              ))}
            </TableBody>
          </Table>
        )}
      </CardContent>
    </Card>
  );
}

function StageRow({ project, stage, isAdmin, onGone }: { project: Project; stage: Stage; isAdmin: boolean; onGone: () => void }) {
  return (
    <TableRow>
      <TableCell className="font-medium">
        {stage.name}
        {stage.name !== stage.slug ? <span className="ml-2 font-mono text-xs font-normal text-muted-foreground">{stage.slug}</span> : null}
      </TableCell>
      <TableCell>{stage._count.workloads}</TableCell>
      <TableCell className="font-mono text-xs break-all">
        {`${DATA_DIR_TOKEN}/volumes/projects/${project.slug}/stages/${stage.slug}`}
      </TableCell>
      {isAdmin ? (
        <TableCell className="text-right">
          <div className="flex flex-wrap justify-end gap-2">
            <RenameDialog kind="stage" id={stage.id} slug={stage.slug} name={stage.name} />
            <DeleteDialog kind="stage" id={stage.id} slug={stage.slug} workloads={stage._count.workloads} onGone={onGone} />
          </div>
        </TableCell>
      ) : null}
    </TableRow>
  );
}

/** A new project, or with `project` a new stage in it: a slug and an optional display name. */
function CreateDialog({ project }: { project?: Project }) {
  const t = useTranslations("projects");
  const dialog = useRequestDialog();
  const [slug, setSlug] = useState("");
  const [name, setName] = useState("");
  const utils = api.useUtils();
  const onSuccess = async () => {
    await dialog.closeAfter(() => utils.project.list.invalidate());
    setSlug("");
    setName("");
  };
  const createProject = api.project.create.useMutation({ onSuccess });
  const createStage = api.stage.create.useMutation({ onSuccess });
  const create = project ? createStage : createProject;
  const error = describeError(create.error);
  const idSuffix = project ? `stage-%s-${project.id}` : "project-%s";
  return (
    <FormDialog
      {...dialog.bind(create)}
      trigger={
        project ? (
          <RowButton label={t("addStageTo", { project: project.slug })}>{t("addStage")}</RowButton>
        ) : (
          <Button>{t("createProject")}</Button>
        )
      }
      title={project ? t("addStageTitle", { project: project.slug }) : t("createProjectTitle")}
      description={project ? t("addStageDescription") : t("createProjectDescription")}
      error={error?.message}
      confirmLabel={create.isPending ? t("creating") : project ? t("addStage") : t("createProject")}
      onSubmit={() => {
        const fields = { slug: slug.trim(), name: name.trim() || undefined };
        if (project) createStage.mutate({ projectId: project.id, ...fields });
        else createProject.mutate(fields);
      }}
    >
      <FormField
        id={`new-${idSuffix.replace("%s", "slug")}`}
        label={t("fields.slug")}
        hint={project ? t("fields.stageSlugHint") : t("fields.slugHint")}
        error={firstFieldError(error, "slug")}
      >
        {(p) => (
          <CodeInput
            {...p}
            required
            maxLength={40}
            placeholder={project ? "production" : undefined}
            value={slug}
            onChange={(e) => setSlug(e.target.value)}
          />
        )}
      </FormField>
      <FormField
        id={`new-${idSuffix.replace("%s", "name")}`}
        label={t("fields.name")}
        hint={t("fields.nameHint")}
        error={firstFieldError(error, "name")}
      >
        {(p) => <Input {...p} autoComplete="off" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}
      </FormField>
    </FormDialog>
  );
}

type Kind = "project" | "stage";

/**
 * A project and a stage share their rename and delete dialogs: both requests exist (a hook
 * runs on every render) and `kind` picks the one to send.
 */
function useKindRequest<P, S>(
  kind: Kind,
  project: { useMutation: (options: { onSuccess: () => Promise<void> }) => P },
  stage: { useMutation: (options: { onSuccess: () => Promise<void> }) => S },
  onSuccess: () => Promise<void>,
): P | S {
  const forProject = project.useMutation({ onSuccess });
  const forStage = stage.useMutation({ onSuccess });
  return kind === "project" ? forProject : forStage;
}

function RenameDialog({ kind, id, slug, name: current }: { kind: Kind; id: string; slug: string; name: string }) {
  const t = useTranslations("projects");
  const [name, setName] = useState(current);
  const utils = api.useUtils();
  // Each opening starts from the current name, not what was typed and cancelled last time.
  const dialog = useRequestDialog({ onOpened: () => setName(current) });
  const rename = useKindRequest(kind, api.project.rename, api.stage.rename, () =>
    dialog.closeAfter(() => Promise.all([utils.project.list.invalidate(), utils.workload.list.invalidate()])),
  );
  const error = describeError(rename.error);
  return (
    <FormDialog
      {...dialog.bind(rename)}
      trigger={
        <RowButton label={kind === "project" ? t("renameProjectNamed", { slug }) : t("renameStageNamed", { slug })}>
          {t("rename")}
        </RowButton>
      }
      title={kind === "project" ? t("renameProjectTitle") : t("renameStageTitle")}
      description={t("renameDescription", { slug })}
      error={error?.message}
      confirmLabel={rename.isPending ? t("saving") : t("save")}
      onSubmit={() => rename.mutate({ id, name: name.trim() })}
    >
      <FormField id={`rename-${kind}-${id}`} label={t("fields.name")} error={firstFieldError(error, "name")}>
        {(p) => <Input {...p} required autoComplete="off" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}
      </FormField>
    </FormDialog>
  );
}

function DeleteDialog({
  kind,
  id,
  slug,
  workloads,
  onGone,
}: {
  kind: Kind;
  id: string;
  slug: string;
  workloads: number;
  onGone: () => void;
}) {
  const t = useTranslations("projects");
  const tc = useTranslations("common");
  const utils = api.useUtils();
  const dialog = useRequestDialog();
  const remove = useKindRequest(kind, api.project.delete, api.stage.delete, () => dialog.closeAfter(() => utils.project.list.invalidate()));
  const error = describeError(remove.error);
  const reasonId = `delete-blocked-${kind}-${id}`;
  // The server refuses while workloads are in it: say so up front instead of after the click.
  if (workloads > 0) {
    return (
      <>
        <RowButton
          label={kind === "project" ? t("deleteProjectNamed", { slug }) : t("deleteStageNamed", { slug })}
          disabled
          aria-describedby={reasonId}
        >
          {tc("delete")}
        </RowButton>
        <p id={reasonId} className="basis-full text-right text-xs text-muted-foreground">
          {t("deleteBlocked", { count: workloads })}
        </p>
      </>
    );
  }
  return (
    <ConfirmDialog
      {...dialog.bind(remove)}
      trigger={
        <RowButton label={kind === "project" ? t("deleteProjectNamed", { slug }) : t("deleteStageNamed", { slug })}>
          {tc("delete")}
        </RowButton>
      }
      title={kind === "project" ? t("deleteProjectTitle") : t("deleteStageTitle")}
      description={kind === "project" ? t("deleteProjectDescription", { slug }) : t("deleteStageDescription", { slug })}
      onTriggerGone={onGone}
      error={error ? error.message || t("deleteFailed") : null}
      confirmLabel={remove.isPending ? t("deleting") : kind === "project" ? t("deleteProject") : t("deleteStage")}
      onConfirm={() => remove.mutate({ id })}
    ></ConfirmDialog>
  );
}
