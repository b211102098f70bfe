"use client";

import Link from "next/link";
import { useTranslations } from "next-intl";
import { Alert } from "~/components/ui/alert";
import { Button, buttonVariants } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { CodeInput } from "~/components/ui/code-input";
import { FormField } from "~/components/ui/form-field";
import { ChoiceSelect } from "~/components/ui/select";
import { Textarea } from "~/components/ui/textarea";
import { firstFieldError, type ShownError } from "~/components/ui/trpc-error";
import { RESTART_POLICIES } from "./options";
import { PlacementFields } from "./placement-fields";
import { RowErrorsContext } from "./row-editor";
import { useWorkloadForm, type WorkloadFormProps } from "./use-workload-form";
import { EnvEditor, PortsEditor, VolumesEditor } from "./workload-rows";

/**
 * The create / edit form. It checks what it can before sending (src/shared/workload-fields.ts,
 * every problem at once, the volume sources as they are typed); the server checks the same and
 * more (names, ports and folders of other workloads). Each message sits under its field, the
 * first invalid field gets the focus, and a summary sits next to the submit buttons.
 */
export function WorkloadForm(props: WorkloadFormProps) {
  const t = useTranslations("workloadForm");
  const tw = useTranslations("workloads");
  const tc = useTranslations("common");
  const f = useWorkloadForm(props);
  const cancelHref = f.workload ? `/workloads/${f.workload.id}` : "/workloads";

  return (
    <form
      ref={f.formRef}
      noValidate
      className="flex flex-col gap-6"
      aria-busy={f.busy || undefined}
      onSubmit={(e) => {
        e.preventDefault();
        const submitter = (e.nativeEvent as SubmitEvent).submitter;
        f.submit(submitter?.getAttribute("value") === "redeploy");
      }}
    >
      <PlacementFields
        projects={props.projects}
        workload={f.workload}
        form={f.form}
        project={f.project}
        noStages={f.noStages}
        error={f.error}
        patch={f.patch}
      />

      <Card>
        <CardHeader>
          <CardTitle>{t("container.title")}</CardTitle>
          <CardDescription>{t("container.description")}</CardDescription>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          <FormField id="workload-image" label={t("fields.image")} hint={t("fields.imageHint")} error={firstFieldError(f.error, "image")}>
            {(p) => (
              <CodeInput
                {...p}
                required
                placeholder="nginx:1.27"
                value={f.form.image}
                onChange={(e) => f.patch({ image: e.target.value })}
              />
            )}
          </FormField>
          <FormField
            id="workload-command"
            label={t("fields.command")}
            hint={t("fields.commandHint")}
            error={firstFieldError(f.error, "command")}
          >
            {(p) => (
              <Textarea
                {...p}
                rows={Math.min(10, Math.max(3, f.form.command.split("\n").length + 1))}
                spellCheck={false}
                autoComplete="off"
                className="font-mono"
                placeholder={"sh\n-c\necho hello"}
                value={f.form.command}
                onChange={(e) => f.patch({ command: e.target.value })}
              />
            )}
          </FormField>
          <FormField
            id="workload-restart"
            label={t("fields.restartPolicy")}
            hint={t("fields.restartPolicyHint")}
            error={firstFieldError(f.error, "restartPolicy")}
          >
            {(p) => (
              <ChoiceSelect
                {...p}
                className="w-full sm:w-72"
                value={f.form.restartPolicy}
                values={RESTART_POLICIES}
                label={(policy) => tw(`restartPolicies.${policy}`)}
                onValueChange={(restartPolicy) => f.patch({ restartPolicy })}
              />
            )}
          </FormField>
        </CardContent>
      </Card>

      <RowErrorsContext.Provider value={f.rowErrors}>
        <EnvEditor list={f.list("env")} error={listError(f.error, "env")} />
        <PortsEditor list={f.list("ports")} error={listError(f.error, "ports")} />
        <VolumesEditor
          list={f.list("volumes")}
          slugs={f.slugs}
          saved={f.workload?.volumePreview ?? []}
          error={listError(f.error, "volumes")}
        />
      </RowErrorsContext.Provider>

      <div className="flex flex-col gap-3">
        <div ref={f.errorRef}>
          <SubmitError error={f.error} fallback={props.mode === "create" ? t("createFailed") : t("saveFailed")} />
        </div>
        <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
          <Link href={cancelHref} className={buttonVariants({ variant: "outline" })}>
            {tc("cancel")}
          </Link>
          {props.mode === "create" ? (
            <Button type="submit" busy={f.busy} disabled={f.noStages}>
              {f.busy ? t("creating") : t("create")}
            </Button>
          ) : (
            <>
              <Button type="submit" name="action" value="save" variant="secondary" busy={f.busy && !f.redeploying} disabled={f.busy}>
                {f.busy && !f.redeploying ? t("saving") : t("save")}
              </Button>
              <Button type="submit" name="action" value="redeploy" busy={f.busy && f.redeploying} disabled={f.busy}>
                {f.busy && f.redeploying ? t("savingAndRedeploying") : t("saveAndRedeploy")}
              </Button>
            </>
          )}
        </div>
      </div>
    </form>
  );
}

/** An error about a whole list; one that names a row's field is shown under that field instead. */
const listError = (error: ShownError | null, list: string) =>
  Object.keys(error?.fieldErrors ?? {}).some((k) => k.startsWith(`${list}.`)) ? undefined : firstFieldError(error, list);

function SubmitError({ error, fallback }: { error: ShownError | null; fallback: string }) {
  const t = useTranslations("workloadForm");
  if (!error) return null;
  const hasFieldErrors = Object.values(error.fieldErrors).some((v) => v?.length);
  return (
    <Alert variant="destructive" role="alert">
      {error.message || (hasFieldErrors ? t("fixFields") : fallback)}
    </Alert>
  );
}
