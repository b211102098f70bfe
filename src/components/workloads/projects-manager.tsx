"use client";

import Link from "next/link";
import { useTranslations } from "next-intl";
import { useRef, useState } from "react";
import { Alert } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import {
  Dialog,
  DialogClose,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from "~/components/ui/dialog";
import { FormField } from "~/components/ui/form-field";
import { Input } from "~/components/ui/input";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "~/components/ui/table";
import { describeError, firstFieldError } from "~/components/ui/trpc-error";
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
        {isAdmin ? <CreateProjectDialog /> : null}
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
            {project.name !== project.slug ? <span className="ml-2 font-mono text-sm font-normal text-muted-foreground">{project.slug}</span> : null}
          </CardTitle>
          <CardDescription>
            {t("projectSummary", { stages: project.stages.length, workloads: project._count.workloads })}
          </CardDescription>
        </div>
        {isAdmin ? (
          <div className="flex flex-wrap gap-2">
            <CreateStageDialog project={project} />
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
            <TableHeader>
              <TableRow>
                <TableHead>{t("columns.stage")}</TableHead>
                <TableHead>{t("columns.workloads")}</TableHead>
                <TableHead>{t("columns.dataFolder")}</TableHead>
                {isAdmin ? (
                  <TableHead>
                    <span className="sr-only">{t("columns.actions")}</span>
                  </TableHead>
                ) : null}
              </TableRow>
            </TableHeader>
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
      <TableCell className="font-mono text-xs break-all">{`${DATA_DIR_TOKEN}/volumes/projects/${project.slug}/stages/${stage.slug}`}</TableCell>
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

function CreateProjectDialog() {
  const t = useTranslations("projects");
  const tc = useTranslations("common");
  const [open, setOpen] = useState(false);
  const [slug, setSlug] = useState("");
  const [name, setName] = useState("");
  const utils = api.useUtils();
  const create = api.project.create.useMutation({
    onSuccess: async () => {
      await utils.project.list.invalidate();
      setOpen(false);
      setSlug("");
      setName("");
    },
  });
  const error = describeError(create.error);
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (create.isPending) return;
        setOpen(next);
        if (!next) create.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button>{t("createProject")}</Button>
      </DialogTrigger>
      <DialogContent closeLabel={tc("close")}>
        <DialogHeader>
          <DialogTitle>{t("createProjectTitle")}</DialogTitle>
          <DialogDescription>{t("createProjectDescription")}</DialogDescription>
        </DialogHeader>
        <form
          className="flex flex-col gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ slug: slug.trim(), name: name.trim() || undefined });
          }}
        >
          {error?.message ? (
            <Alert variant="destructive" role="alert">
              {error.message}
            </Alert>
          ) : null}
          <FormField id="new-project-slug" label={t("fields.slug")} hint={t("fields.slugHint")} error={firstFieldError(error, "slug")}>
            {(p) => (
              <Input {...p} required autoComplete="off" spellCheck={false} maxLength={40} className="font-mono" value={slug} onChange={(e) => setSlug(e.target.value)} />
            )}
          </FormField>
          <FormField id="new-project-name" label={t("fields.name")} hint={t("fields.nameHint")} error={firstFieldError(error, "name")}>
            {(p) => <Input {...p} autoComplete="off" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}
          </FormField>
          <DialogFooter>
            <DialogClose asChild>
              <Button variant="outline" disabled={create.isPending}>
                {tc("cancel")}
              </Button>
            </DialogClose>
            <Button type="submit" busy={create.isPending}>
              {create.isPending ? t("creating") : t("createProject")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

function CreateStageDialog({ project }: { project: Project }) {
  const t = useTranslations("projects");
  const tc = useTranslations("common");
  const [open, setOpen] = useState(false);
  const [slug, setSlug] = useState("");
  const [name, setName] = useState("");
  const utils = api.useUtils();
  const create = api.stage.create.useMutation({
    onSuccess: async () => {
      await utils.project.list.invalidate();
      setOpen(false);
      setSlug("");
      setName("");
    },
  });
  const error = describeError(create.error);
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (create.isPending) return;
        setOpen(next);
        if (!next) create.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button variant="outline" size="sm" aria-label={t("addStageTo", { project: project.slug })}>
          {t("addStage")}
        </Button>
      </DialogTrigger>
      <DialogContent closeLabel={tc("close")}>
        <DialogHeader>
          <DialogTitle>{t("addStageTitle", { project: project.slug })}</DialogTitle>
          <DialogDescription>{t("addStageDescription")}</DialogDescription>
        </DialogHeader>
        <form
          className="flex flex-col gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ projectId: project.id, slug: slug.trim(), name: name.trim() || undefined });
          }}
        >
          {error?.message ? (
            <Alert variant="destructive" role="alert">
              {error.message}
            </Alert>
          ) : null}
          <FormField id={`new-stage-slug-${project.id}`} label={t("fields.slug")} hint={t("fields.stageSlugHint")} error={firstFieldError(error, "slug")}>
            {(p) => (
              <Input
                {...p}
                required
                autoComplete="off"
                spellCheck={false}
                maxLength={40}
                className="font-mono"
                placeholder="production"
                value={slug}
                onChange={(e) => setSlug(e.target.value)}
              />
            )}
          </FormField>
          <FormField id={`new-stage-name-${project.id}`} label={t("fields.name")} hint={t("fields.nameHint")} error={firstFieldError(error, "name")}>
            {(p) => <Input {...p} autoComplete="off" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}
          </FormField>
          <DialogFooter>
            <DialogClose asChild>
              <Button variant="outline" disabled={create.isPending}>
                {tc("cancel")}
              </Button>
            </DialogClose>
            <Button type="submit" busy={create.isPending}>
              {create.isPending ? t("creating") : t("addStage")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

function RenameDialog({ kind, id, slug, name: current }: { kind: "project" | "stage"; id: string; slug: string; name: string }) {
  const t = useTranslations("projects");
  const tc = useTranslations("common");
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(current);
  const utils = api.useUtils();
  const onSuccess = async () => {
    await Promise.all([utils.project.list.invalidate(), utils.workload.list.invalidate()]);
    setOpen(false);
  };
  const renameProject = api.project.rename.useMutation({ onSuccess });
  const renameStage = api.stage.rename.useMutation({ onSuccess });
  const rename = kind === "project" ? renameProject : renameStage;
  const error = describeError(rename.error);
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (rename.isPending) return;
        setOpen(next);
        if (next) setName(current);
        else rename.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button variant="outline" size="sm" aria-label={kind === "project" ? t("renameProjectNamed", { slug }) : t("renameStageNamed", { slug })}>
          {t("rename")}
        </Button>
      </DialogTrigger>
      <DialogContent closeLabel={tc("close")}>
        <DialogHeader>
          <DialogTitle>{kind === "project" ? t("renameProjectTitle") : t("renameStageTitle")}</DialogTitle>
          <DialogDescription>{t("renameDescription", { slug })}</DialogDescription>
        </DialogHeader>
        <form
          className="flex flex-col gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            rename.mutate({ id, name: name.trim() });
          }}
        >
          {error?.message ? (
            <Alert variant="destructive" role="alert">
              {error.message}
            </Alert>
          ) : null}
          <FormField id={`rename-${kind}-${id}`} label={t("fields.name")} error={firstFieldError(error, "name")}>
            {(p) => <Input {...p} required autoComplete="off" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}
          </FormField>
          <DialogFooter>
            <DialogClose asChild>
              <Button variant="outline" disabled={rename.isPending}>
                {tc("cancel")}
              </Button>
            </DialogClose>
            <Button type="submit" busy={rename.isPending}>
              {rename.isPending ? t("saving") : t("save")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

function DeleteDialog({
  kind,
  id,
  slug,
  workloads,
  onGone,
}: {
  kind: "project" | "stage";
  id: string;
  slug: string;
  workloads: number;
  onGone: () => void;
}) {
  const t = useTranslations("projects");
  const tc = useTranslations("common");
  const [open, setOpen] = useState(false);
  const triggerRef = useRef<HTMLButtonElement>(null);
  const utils = api.useUtils();
  const onSuccess = async () => {
    await utils.project.list.invalidate();
    setOpen(false);
  };
  const deleteProject = api.project.delete.useMutation({ onSuccess });
  const deleteStage = api.stage.delete.useMutation({ onSuccess });
  const remove = kind === "project" ? deleteProject : deleteStage;
  const error = describeError(remove.error);
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (remove.isPending) return;
        setOpen(next);
        if (!next) remove.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button
          ref={triggerRef}
          variant="outline"
          size="sm"
          aria-label={kind === "project" ? t("deleteProjectNamed", { slug }) : t("deleteStageNamed", { slug })}
        >
          {tc("delete")}
        </Button>
      </DialogTrigger>
      <DialogContent
        closeLabel={tc("close")}
        onCloseAutoFocus={(event) => {
          if (!triggerRef.current?.isConnected) {
            event.preventDefault();
            onGone();
          }
        }}
      >
        <DialogHeader>
          <DialogTitle>{kind === "project" ? t("deleteProjectTitle") : t("deleteStageTitle")}</DialogTitle>
          <DialogDescription>
            {kind === "project" ? t("deleteProjectDescription", { slug }) : t("deleteStageDescription", { slug })}
          </DialogDescription>
        </DialogHeader>
        {workloads > 0 ? <Alert variant="warning">{t("stillHasWorkloads", { count: workloads })}</Alert> : null}
        {error ? (
          <Alert variant="destructive" role="alert">
            {error.message || t("deleteFailed")}
          </Alert>
        ) : null}
        <DialogFooter>
          <DialogClose asChild>
            <Button variant="outline" disabled={remove.isPending}>
              {tc("cancel")}
            </Button>
          </DialogClose>
          <Button variant="destructive" busy={remove.isPending} onClick={() => remove.mutate({ id })}>
            {remove.isPending ? t("deleting") : kind === "project" ? t("deleteProject") : t("deleteStage")}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

