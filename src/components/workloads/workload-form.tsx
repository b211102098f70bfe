"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useRef, useState } from "react";
import { Alert } from "~/components/ui/alert";
import { Button, buttonVariants } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { Checkbox } from "~/components/ui/checkbox";
import { FormField } from "~/components/ui/form-field";
import { Input } from "~/components/ui/input";
import { FieldError, Label } from "~/components/ui/label";
import { Select } from "~/components/ui/select";
import { Textarea } from "~/components/ui/textarea";
import { describeError, firstFieldError, type ShownError } from "~/components/ui/trpc-error";
import { api } from "~/trpc/react";
import {
  DATA_DIR_TOKEN,
  describeDataLocation,
  formatCommandForEditing,
  parseCommand,
  type Project,
  RESTART_POLICIES,
  type RestartPolicy,
  VOLUME_SCOPES,
  type VolumeScope,
  type WorkloadView,
} from "./options";

interface EnvRow {
  uid: number;
  key: string;
  value: string;
  secret: boolean;
}
interface PortRow {
  uid: number;
  hostPort: string;
  containerPort: string;
  protocol: "tcp" | "udp";
}
interface VolumeRow {
  uid: number;
  target: string;
  scope: VolumeScope;
  source: string;
  readOnly: boolean;
}
interface FormState {
  projectId: string;
  stageId: string;
  name: string;
  image: string;
  command: string;
  env: EnvRow[];
  ports: PortRow[];
  restartPolicy: RestartPolicy;
  volumes: VolumeRow[];
}

let lastUid = 0;
const uid = () => ++lastUid;

function initialState(projects: Project[], defaults: { projectId?: string; stageId?: string }, workload?: WorkloadView): FormState {
  if (workload) {
    return {
      projectId: workload.projectId,
      stageId: workload.stageId,
      name: workload.name,
      image: workload.image,
      command: formatCommandForEditing(workload.command),
      env: workload.env.map((e) => ({ uid: uid(), ...e })),
      ports: workload.ports.map((p) => ({ uid: uid(), hostPort: String(p.hostPort), containerPort: String(p.containerPort), protocol: p.protocol })),
      restartPolicy: workload.restartPolicy,
      volumes: workload.volumes.map((v) => ({ uid: uid(), target: v.target, scope: v.scope, source: v.source, readOnly: !!v.readOnly })),
    };
  }
  const project = projects.find((p) => p.id === defaults.projectId) ?? projects.find((p) => p.stages.length > 0) ?? projects[0];
  const stage = project?.stages.find((s) => s.id === defaults.stageId) ?? project?.stages[0];
  return {
    projectId: project?.id ?? "",
    stageId: stage?.id ?? "",
    name: "",
    image: "",
    command: "",
    env: [],
    ports: [],
    restartPolicy: "unless-stopped",
    volumes: [],
  };
}

type Props =
  | { mode: "create"; projects: Project[]; defaults: { projectId?: string; stageId?: string } }
  | { mode: "edit"; projects: Project[]; workload: WorkloadView };

/**
 * The create / edit form. The server validates everything again (and is the only judge of
 * volumes); its messages are shown next to the submit buttons and per field.
 */
export function WorkloadForm(props: Props) {
  const t = useTranslations("workloadForm");
  const tw = useTranslations("workloads");
  const tc = useTranslations("common");
  const router = useRouter();
  const utils = api.useUtils();
  const workload = props.mode === "edit" ? props.workload : undefined;
  const [form, setForm] = useState<FormState>(() =>
    initialState(props.projects, props.mode === "create" ? props.defaults : {}, workload),
  );
  const errorRef = useRef<HTMLDivElement>(null);

  const done = async (view: WorkloadView) => {
    utils.workload.get.setData({ id: view.id }, view);
    await Promise.all([utils.workload.list.invalidate(), utils.project.list.invalidate()]);
    router.push(`/workloads/${view.id}`);
  };
  const showError = () => requestAnimationFrame(() => errorRef.current?.scrollIntoView({ block: "center" }));
  const create = api.workload.create.useMutation({ onSuccess: done, onError: showError });
  const update = api.workload.update.useMutation({ onSuccess: done, onError: showError });
  const mutation = props.mode === "create" ? create : update;
  // Stay busy until the next page has loaded.
  const busy = mutation.isPending || mutation.isSuccess;
  const error = describeError(mutation.error);

  const project = props.projects.find((p) => p.id === form.projectId);
  const stage = project?.stages.find((s) => s.id === form.stageId);
  const slugs = workload ? { project: workload.projectSlug, stage: workload.stageSlug } : { project: project?.slug, stage: stage?.slug };

  const patch = (p: Partial<FormState>) => setForm((f) => ({ ...f, ...p }));
  function updateRow<K extends "env" | "ports" | "volumes">(list: K, id: number, p: Partial<FormState[K][number]>) {
    setForm((f) => ({ ...f, [list]: (f[list] as { uid: number }[]).map((r) => (r.uid === id ? { ...r, ...p } : r)) }));
  }
  function removeRow(list: "env" | "ports" | "volumes", id: number) {
    setForm((f) => ({ ...f, [list]: (f[list] as { uid: number }[]).filter((r) => r.uid !== id) }));
  }

  function settings() {
    return {
      image: form.image.trim(),
      command: parseCommand(form.command),
      // A row left completely empty is not a variable.
      env: form.env.filter((e) => e.key.trim() || e.value).map(({ key, value, secret }) => ({ key: key.trim(), value, secret })),
      ports: form.ports.map((p) => ({ hostPort: Number(p.hostPort), containerPort: Number(p.containerPort), protocol: p.protocol })),
      restartPolicy: form.restartPolicy,
      volumes: form.volumes.map((v) => ({ target: v.target.trim(), scope: v.scope, source: v.source.trim(), readOnly: v.readOnly || undefined })),
    };
  }

  function submit(redeploy: boolean) {
    if (props.mode === "create") {
      create.mutate({ projectId: form.projectId, stageId: form.stageId, name: form.name.trim(), ...settings(), labels: {} });
    } else {
      update.mutate({ id: props.workload.id, ...settings(), labels: props.workload.labels, redeploy });
    }
  }

  const cancelHref = workload ? `/workloads/${workload.id}` : "/workloads";
  const noStages = props.mode === "create" && (!project || project.stages.length === 0);

  return (
    <form
      className="flex flex-col gap-6"
      aria-busy={busy || undefined}
      onSubmit={(e) => {
        e.preventDefault();
        const submitter = (e.nativeEvent as SubmitEvent).submitter;
        submit(submitter?.getAttribute("value") === "redeploy");
      }}
    >
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
                      const next = props.projects.find((x) => x.id === e.target.value);
                      patch({ projectId: e.target.value, stageId: next?.stages[0]?.id ?? "" });
                    }}
                  >
                    {props.projects.map((x) => (
                      <option key={x.id} value={x.id}>
                        {x.name === x.slug ? x.slug : `${x.name} (${x.slug})`}
                      </option>
                    ))}
                  </Select>
                )}
              </FormField>
              <FormField id="workload-stage" label={t("fields.stage")} error={firstFieldError(error, "stageId")}>
                {(p) => (
                  <Select {...p} required className="w-full" value={form.stageId} disabled={noStages} onChange={(e) => patch({ stageId: e.target.value })}>
                    {project?.stages.map((s) => (
                      <option key={s.id} value={s.id}>
                        {s.name === s.slug ? s.slug : `${s.name} (${s.slug})`}
                      </option>
                    ))}
                  </Select>
                )}
              </FormField>
              <FormField id="workload-name" label={t("fields.name")} hint={t("fields.nameHint")} error={firstFieldError(error, "name")}>
                {(p) => (
                  <Input
                    {...p}
                    required
                    autoComplete="off"
                    spellCheck={false}
                    maxLength={40}
                    className="font-mono"
                    value={form.name}
                    onChange={(e) => patch({ name: e.target.value })}
                  />
                )}
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

      <Card>
        <CardHeader>
          <CardTitle>{t("container.title")}</CardTitle>
          <CardDescription>{t("container.description")}</CardDescription>
        </CardHeader>
        <CardContent className="flex flex-col gap-4">
          <FormField id="workload-image" label={t("fields.image")} hint={t("fields.imageHint")} error={firstFieldError(error, "image")}>
            {(p) => (
              <Input
                {...p}
                required
                autoComplete="off"
                spellCheck={false}
                className="font-mono"
                placeholder="nginx:1.27"
                value={form.image}
                onChange={(e) => patch({ image: e.target.value })}
              />
            )}
          </FormField>
          <FormField id="workload-command" label={t("fields.command")} hint={t("fields.commandHint")} error={firstFieldError(error, "command")}>
            {(p) => (
              <Textarea
                {...p}
                rows={Math.min(10, Math.max(3, form.command.split("\n").length + 1))}
                spellCheck={false}
                autoComplete="off"
                className="font-mono"
                placeholder={"sh\n-c\necho hello"}
                value={form.command}
                onChange={(e) => patch({ command: e.target.value })}
              />
            )}
          </FormField>
          <FormField id="workload-restart" label={t("fields.restartPolicy")} hint={t("fields.restartPolicyHint")} error={firstFieldError(error, "restartPolicy")}>
            {(p) => (
              <Select {...p} className="w-full sm:w-72" value={form.restartPolicy} onChange={(e) => patch({ restartPolicy: e.target.value as RestartPolicy })}>
                {RESTART_POLICIES.map((policy) => (
                  <option key={policy} value={policy}>
                    {tw(`restartPolicies.${policy}`)}
                  </option>
                ))}
              </Select>
            )}
          </FormField>
        </CardContent>
      </Card>

      <EnvEditor
        rows={form.env}
        error={firstFieldError(error, "env")}
        onAdd={() => patch({ env: [...form.env, { uid: uid(), key: "", value: "", secret: false }] })}
        onChange={(id, p) => updateRow("env", id, p)}
        onRemove={(id) => removeRow("env", id)}
      />

      <PortsEditor
        rows={form.ports}
        error={firstFieldError(error, "ports")}
        onAdd={() => patch({ ports: [...form.ports, { uid: uid(), hostPort: "", containerPort: "", protocol: "tcp" }] })}
        onChange={(id, p) => updateRow("ports", id, p)}
        onRemove={(id) => removeRow("ports", id)}
      />

      <VolumesEditor
        rows={form.volumes}
        slugs={slugs}
        saved={workload?.volumePreview ?? []}
        error={firstFieldError(error, "volumes")}
        onAdd={() => patch({ volumes: [...form.volumes, { uid: uid(), target: "", scope: "stage", source: "", readOnly: false }] })}
        onChange={(id, p) => updateRow("volumes", id, p)}
        onRemove={(id) => removeRow("volumes", id)}
      />

      <div className="flex flex-col gap-3">
        <div ref={errorRef}>
          <SubmitError error={error} fallback={props.mode === "create" ? t("createFailed") : t("saveFailed")} />
        </div>
        <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
          <Link href={cancelHref} className={buttonVariants({ variant: "outline" })}>
            {tc("cancel")}
          </Link>
          {props.mode === "create" ? (
            <Button type="submit" busy={busy} disabled={noStages}>
              {busy ? t("creating") : t("create")}
            </Button>
          ) : (
            <>
              <Button type="submit" name="action" value="save" variant="secondary" busy={busy && !update.variables?.redeploy} disabled={busy}>
                {busy && !update.variables?.redeploy ? t("saving") : t("save")}
              </Button>
              <Button type="submit" name="action" value="redeploy" busy={busy && !!update.variables?.redeploy} disabled={busy}>
                {busy && update.variables?.redeploy ? t("savingAndRedeploying") : t("saveAndRedeploy")}
              </Button>
            </>
          )}
        </div>
      </div>
    </form>
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

function SectionHeader({ title, description, addLabel, onAdd }: { title: string; description: string; addLabel: string; onAdd: () => void }) {
  return (
    <CardHeader className="flex-row flex-wrap items-start justify-between gap-3">
      <div className="flex flex-col gap-1.5">
        <CardTitle>{title}</CardTitle>
        <CardDescription>{description}</CardDescription>
      </div>
      <Button variant="outline" size="sm" onClick={onAdd}>
        {addLabel}
      </Button>
    </CardHeader>
  );
}

function RemoveButton({ label, onClick }: { label: string; onClick: () => void }) {
  return (
    <Button variant="ghost" size="sm" aria-label={label} title={label} onClick={onClick} className="self-end">
      <svg aria-hidden="true" viewBox="0 0 16 16" className="size-4" fill="none" stroke="currentColor" strokeWidth="2">
        <path d="M4 4l8 8M12 4l-8 8" />
      </svg>
    </Button>
  );
}

function EnvEditor({
  rows,
  error,
  onAdd,
  onChange,
  onRemove,
}: {
  rows: EnvRow[];
  error?: string;
  onAdd: () => void;
  onChange: (id: number, p: Partial<EnvRow>) => void;
  onRemove: (id: number) => void;
}) {
  const t = useTranslations("workloadForm");
  return (
    <Card>
      <SectionHeader title={t("env.title")} description={t("env.description")} addLabel={t("env.add")} onAdd={onAdd} />
      <CardContent className="flex flex-col gap-3">
        {rows.length === 0 ? <p className="text-sm text-muted-foreground">{t("env.empty")}</p> : null}
        {rows.map((row, i) => (
          <fieldset key={row.uid} className="grid grid-cols-1 items-end gap-2 sm:grid-cols-[minmax(0,14rem)_minmax(0,1fr)_auto_auto]">
            <legend className="sr-only">{t("env.legend", { n: i + 1 })}</legend>
            <div className="flex flex-col gap-1">
              <Label htmlFor={`env-${i}-key`} className="text-xs">
                {t("env.key")}
              </Label>
              <Input
                id={`env-${i}-key`}
                autoComplete="off"
                spellCheck={false}
                className="font-mono"
                value={row.key}
                onChange={(e) => onChange(row.uid, { key: e.target.value })}
              />
            </div>
            <div className="flex flex-col gap-1">
              <Label htmlFor={`env-${i}-value`} className="text-xs">
                {t("env.value")}
              </Label>
              <Input
                id={`env-${i}-value`}
                type={row.secret ? "password" : "text"}
                autoComplete={row.secret ? "new-password" : "off"}
                spellCheck={false}
                className="font-mono"
                value={row.value}
                onChange={(e) => onChange(row.uid, { value: e.target.value })}
              />
            </div>
            <Checkbox
              label={t("env.secret")}
              labelClassName="h-9"
              checked={row.secret}
              onChange={(e) => onChange(row.uid, { secret: e.target.checked })}
            />
            <RemoveButton label={t("env.remove", { n: i + 1 })} onClick={() => onRemove(row.uid)} />
          </fieldset>
        ))}
        {rows.some((r) => r.secret) ? <p className="text-xs text-muted-foreground">{t("env.secretHint")}</p> : null}
        <FieldError>{error}</FieldError>
      </CardContent>
    </Card>
  );
}

function PortsEditor({
  rows,
  error,
  onAdd,
  onChange,
  onRemove,
}: {
  rows: PortRow[];
  error?: string;
  onAdd: () => void;
  onChange: (id: number, p: Partial<PortRow>) => void;
  onRemove: (id: number) => void;
}) {
  const t = useTranslations("workloadForm");
  return (
    <Card>
      <SectionHeader title={t("ports.title")} description={t("ports.description")} addLabel={t("ports.add")} onAdd={onAdd} />
      <CardContent className="flex flex-col gap-3">
        {rows.length === 0 ? <p className="text-sm text-muted-foreground">{t("ports.empty")}</p> : null}
        {rows.map((row, i) => (
          <fieldset key={row.uid} className="grid grid-cols-1 items-end gap-2 sm:grid-cols-[10rem_10rem_8rem_auto]">
            <legend className="sr-only">{t("ports.legend", { n: i + 1 })}</legend>
            <div className="flex flex-col gap-1">
              <Label htmlFor={`port-${i}-host`} className="text-xs">
                {t("ports.hostPort")}
              </Label>
              <Input
                id={`port-${i}-host`}
                type="number"
                inputMode="numeric"
                required
                min={1}
                max={65535}
                value={row.hostPort}
                onChange={(e) => onChange(row.uid, { hostPort: e.target.value })}
              />
            </div>
            <div className="flex flex-col gap-1">
              <Label htmlFor={`port-${i}-container`} className="text-xs">
                {t("ports.containerPort")}
              </Label>
              <Input
                id={`port-${i}-container`}
                type="number"
                inputMode="numeric"
                required
                min={1}
                max={65535}
                value={row.containerPort}
                onChange={(e) => onChange(row.uid, { containerPort: e.target.value })}
              />
            </div>
            <div className="flex flex-col gap-1">
              <Label htmlFor={`port-${i}-protocol`} className="text-xs">
                {t("ports.protocol")}
              </Label>
              <Select id={`port-${i}-protocol`} value={row.protocol} onChange={(e) => onChange(row.uid, { protocol: e.target.value as "tcp" | "udp" })}>
                <option value="tcp">TCP</option>
                <option value="udp">UDP</option>
              </Select>
            </div>
            <RemoveButton label={t("ports.remove", { n: i + 1 })} onClick={() => onRemove(row.uid)} />
          </fieldset>
        ))}
        <FieldError>{error}</FieldError>
      </CardContent>
    </Card>
  );
}

function VolumesEditor({
  rows,
  slugs,
  saved,
  error,
  onAdd,
  onChange,
  onRemove,
}: {
  rows: VolumeRow[];
  slugs: { project?: string; stage?: string };
  saved: WorkloadView["volumePreview"];
  error?: string;
  onAdd: () => void;
  onChange: (id: number, p: Partial<VolumeRow>) => void;
  onRemove: (id: number) => void;
}) {
  const t = useTranslations("workloadForm");
  const tw = useTranslations("workloads");
  return (
    <Card>
      <SectionHeader title={t("volumes.title")} description={t("volumes.description")} addLabel={t("volumes.add")} onAdd={onAdd} />
      <CardContent className="flex flex-col gap-4">
        {rows.length === 0 ? <p className="text-sm text-muted-foreground">{t("volumes.empty")}</p> : null}
        {rows.map((row, i) => {
          const location = describeDataLocation(row, slugs);
          const savedPath = saved.find((s) => s.target === row.target.trim() && s.scope === row.scope && s.source === row.source.trim())?.hostPath;
          const previewId = `volume-${i}-preview`;
          return (
            <fieldset key={row.uid} className="rounded-md border border-border p-3">
              <legend className="px-1 text-sm font-medium">{t("volumes.legend", { n: i + 1 })}</legend>
              <div className="grid grid-cols-1 items-end gap-2 sm:grid-cols-[minmax(0,1fr)_12rem_minmax(0,1fr)_auto_auto]">
                <div className="flex flex-col gap-1">
                  <Label htmlFor={`volume-${i}-target`} className="text-xs">
                    {t("volumes.target")}
                  </Label>
                  <Input
                    id={`volume-${i}-target`}
                    required
                    autoComplete="off"
                    spellCheck={false}
                    placeholder="/var/lib/app"
                    className="font-mono"
                    value={row.target}
                    onChange={(e) => onChange(row.uid, { target: e.target.value })}
                  />
                </div>
                <div className="flex flex-col gap-1">
                  <Label htmlFor={`volume-${i}-scope`} className="text-xs">
                    {t("volumes.scope")}
                  </Label>
                  <Select id={`volume-${i}-scope`} value={row.scope} onChange={(e) => onChange(row.uid, { scope: e.target.value as VolumeScope })}>
                    {VOLUME_SCOPES.map((scope) => (
                      <option key={scope} value={scope}>
                        {tw(`scopes.${scope}`)}
                      </option>
                    ))}
                  </Select>
                </div>
                <div className="flex flex-col gap-1">
                  <Label htmlFor={`volume-${i}-source`} className="text-xs">
                    {row.scope === "named" ? t("volumes.sourceNamed") : row.scope === "absolute" ? t("volumes.sourceAbsolute") : t("volumes.source")}
                  </Label>
                  <Input
                    id={`volume-${i}-source`}
                    required
                    autoComplete="off"
                    spellCheck={false}
                    placeholder={row.scope === "absolute" ? "/srv/app" : "app"}
                    className="font-mono"
                    aria-describedby={previewId}
                    value={row.source}
                    onChange={(e) => onChange(row.uid, { source: e.target.value })}
                  />
                </div>
                <Checkbox
                  label={t("volumes.readOnly")}
                  labelClassName="h-9"
                  checked={row.readOnly}
                  onChange={(e) => onChange(row.uid, { readOnly: e.target.checked })}
                />
                <RemoveButton label={t("volumes.remove", { n: i + 1 })} onClick={() => onRemove(row.uid)} />
              </div>
              <div id={previewId} className="mt-3 flex flex-col gap-1 rounded-md bg-muted px-3 py-2 text-xs">
                <p className="text-muted-foreground">{tw(`scopeHints.${row.scope}`)}</p>
                {location ? (
                  <p className="break-all">
                    <span className="font-medium">{t("volumes.willLive")}</span> <code className="font-mono">{location}</code>
                  </p>
                ) : row.scope === "named" ? (
                  <p className="break-all">
                    <span className="font-medium">{t("volumes.namedLocation")}</span> <code className="font-mono">{row.source || "<source>"}</code>
                  </p>
                ) : (
                  <p className="break-all">
                    <span className="font-medium">{t("volumes.absoluteLocation")}</span> <code className="font-mono">{row.source || "<source>"}</code>
                  </p>
                )}
                {savedPath ? (
                  <p className="break-all">
                    <span className="font-medium">{t("volumes.savedHostPath")}</span> <code className="font-mono">{savedPath}</code>
                  </p>
                ) : null}
              </div>
            </fieldset>
          );
        })}
        {rows.some((r) => r.scope === "project" || r.scope === "stage") ? (
          <p className="text-xs text-muted-foreground">{t("volumes.previewHint", { token: DATA_DIR_TOKEN })}</p>
        ) : null}
        <FieldError>{error}</FieldError>
      </CardContent>
    </Card>
  );
}
