"use client";

import Link from "next/link";
import { useTranslations } from "next-intl";
import { Alert } from "~/components/ui/alert";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { CodeInput } from "~/components/ui/code-input";
import { FormField } from "~/components/ui/form-field";
import { Select } from "~/components/ui/select";
import { firstFieldError, type ShownError } from "~/components/ui/trpc-error";
import type { Project, WorkloadView } from "./options";
import type { FormState } from "./use-workload-form";

const displayName = (x: { name: string; slug: string }) => (x.name === x.slug ? x.slug : `${x.name} (${x.slug})`);

/**
 * Where the workload lives: project, stage and name. Chosen once, when it is created; the
 * edit form shows them read-only.
 */
export function PlacementFields({
  projects,
  workload,
  form,
  project,
  noStages,
  error,
  patch,
}: {
  projects: Project[];
  workload?: WorkloadView;
  form: FormState;
  project?: Project;
  noStages: boolean;
  error: ShownError | null;
  patch: (p: Partial<FormState>) => void;
}) {
  const t = useTranslations("workloadForm");
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("placement.title")}</CardTitle>
        <CardDescription>{workload ? t("placement.fixed") : t("placement.description")}</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4 sm:grid-cols-3">
        {workload ? (
          <dl className="contents text-sm">
            <ReadOnlyValue label={t("fields.project")} value={workload.projectSlug} />
            <ReadOnlyValue label={t("fields.stage")} value={workload.stageSlug} />
            <ReadOnlyValue label={t("fields.name")} value={workload.name} />
          </dl>
        ) : (
          <>
            <FormField id="workload-project" label={t("fields.project")} error={firstFieldError(error, "projectId")}>
              {(p) => (
                <Select
                  {...p}
                  required
                  className="w-full"
                  value={form.projectId}
                  onChange={(e) => {
                    const next = projects.find((x) => x.id === e.target.value);
                    patch({ projectId: e.target.value, stageId: next?.stages[0]?.id ?? "" });
                  }}
                >
                  {projects.map((x) => (
                    <option key={x.id} value={x.id}>
                      {displayName(x)}
                    </option>
                  ))}
                </Select>
              )}
            </FormField>
            <FormField id="workload-stage" label={t("fields.stage")} error={firstFieldError(error, "stageId")}>
              {(p) => (
                <Select
                  {...p}
                  required
                  className="w-full"
                  value={form.stageId}
                  disabled={noStages}
                  onChange={(e) => patch({ stageId: e.target.value })}
                >
                  {project?.stages.map((s) => (
                    <option key={s.id} value={s.id}>
                      {displayName(s)}
                    </option>
                  ))}
                </Select>
              )}
            </FormField>
            <FormField id="workload-name" label={t("fields.name")} hint={t("fields.nameHint")} error={firstFieldError(error, "name")}>
              {(p) => <CodeInput {...p} required maxLength={40} value={form.name} onChange={(e) => patch({ name: e.target.value })} />}
            </FormField>
            {noStages ? (
              <Alert variant="warning" className="sm:col-span-3">
                {t("placement.noStages")}{" "}
                <Link href="/projects" className="font-medium underline underline-offset-4">
                  {t("placement.manageProjects")}
                </Link>
              </Alert>
            ) : null}
          </>
        )}
      </CardContent>
    </Card>
  );
}

function ReadOnlyValue({ label, value }: { label: string; value: string }) {
  return (
    <div className="flex flex-col gap-2">
      <dt className="text-sm font-medium">{label}</dt>
      <dd className="font-mono text-sm text-muted-foreground">{value}</dd>
    </div>
  );
}
