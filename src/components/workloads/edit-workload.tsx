"use client";

import Link from "next/link";
import { useTranslations } from "next-intl";
import { Alert } from "~/components/ui/alert";
import { buttonVariants } from "~/components/ui/button";
import { api } from "~/trpc/react";
import { WorkloadForm } from "./workload-form";

/** The create form, once the projects are known; without any project it points to where to make one. */
export function NewWorkload({ defaults }: { defaults: { projectId?: string; stageId?: string } }) {
  const t = useTranslations("workloadForm");
  const projects = api.project.list.useQuery();
  if (projects.isPending) return <p className="text-sm text-muted-foreground">{t("loading")}</p>;
  if (projects.error) {
    return (
      <Alert variant="destructive" role="alert">
        {t("loadFailed", { message: projects.error.message })}
      </Alert>
    );
  }
  if (projects.data.length === 0) {
    return (
      <div className="rounded-lg border border-dashed border-border px-6 py-12 text-center">
        <p className="font-medium">{t("noProjects")}</p>
        <p className="mx-auto mt-1 max-w-prose text-sm text-muted-foreground">{t("noProjectsDescription")}</p>
        <Link href="/projects" className={buttonVariants({ className: "mt-4" })}>
          {t("placement.manageProjects")}
        </Link>
      </div>
    );
  }
  return <WorkloadForm mode="create" projects={projects.data} defaults={defaults} />;
}

/** The edit form, filled from the workload as it was when the page opened (no background refresh). */
export function EditWorkload({ id }: { id: string }) {
  const t = useTranslations("workloadForm");
  const workload = api.workload.get.useQuery(
    { id },
    { refetchOnWindowFocus: false, retry: (n, e) => e.data?.code !== "NOT_FOUND" && n < 2 },
  );
  const projects = api.project.list.useQuery();
  if (workload.isPending || projects.isPending) return <p className="text-sm text-muted-foreground">{t("loading")}</p>;
  if (workload.error || projects.error) {
    return (
      <Alert variant="destructive" role="alert">
        {t("loadFailed", { message: (workload.error ?? projects.error)!.message })}
      </Alert>
    );
  }
  return <WorkloadForm key={workload.data.id} mode="edit" projects={projects.data} workload={workload.data} />;
}
