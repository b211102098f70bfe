"use client";

import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useEffect, useRef, useState } from "react";
import { describeError, fieldIssuesShown, type ShownError, type Translator } from "~/components/ui/trpc-error";
import { workloadFieldIssues } from "~/shared/workload-fields";
import { api } from "~/trpc/react";
import { formatCommandForEditing, type Project, parseCommand, type RestartPolicy, type VolumeScope, type WorkloadView } from "./options";

export interface EnvRow {
  uid: number;
  key: string;
  value: string;
  secret: boolean;
}
export interface PortRow {
  uid: number;
  hostPort: string;
  containerPort: string;
  protocol: "tcp" | "udp";
}
export interface VolumeRow {
  uid: number;
  target: string;
  scope: VolumeScope;
  source: string;
  readOnly: boolean;
}
export interface FormState {
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
type ListKey = "env" | "ports" | "volumes";

/** One of the form's row lists and the ways to change it. */
export interface RowList<R extends { uid: number }> {
  rows: R[];
  add: () => void;
  change: (id: number, patch: Partial<R>) => void;
  remove: (id: number) => void;
}

let lastUid = 0;
const uid = () => ++lastUid;

const NEW_ROW: { [K in ListKey]: Omit<FormState[K][number], "uid"> } = {
  env: { key: "", value: "", secret: false },
  ports: { hostPort: "", containerPort: "", protocol: "tcp" },
  volumes: { target: "", scope: "stage", source: "", readOnly: false },
};

function initialState(projects: Project[], defaults: { projectId?: string; stageId?: string }, workload?: WorkloadView): FormState {
  if (workload) {
    return {
      projectId: workload.projectId,
      stageId: workload.stageId,
      name: workload.name,
      image: workload.image,
      command: formatCommandForEditing(workload.command),
      env: workload.env.map((e) => ({ uid: uid(), ...e })),
      ports: workload.ports.map((p) => ({
        uid: uid(),
        hostPort: String(p.hostPort),
        containerPort: String(p.containerPort),
        protocol: p.protocol,
      })),
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

// The id of the row control an issue's path names ("ports.1.hostPort" → port-1-host); top-level
// fields ("image", "name") are looked up by their key, as before.
const ROW_IDS: Record<string, (i: number) => string> = {
  "env.key": (i) => `env-${i}-key`,
  "env.value": (i) => `env-${i}-value`,
  "ports.hostPort": (i) => `port-${i}-host`,
  "ports.containerPort": (i) => `port-${i}-container`,
  "ports.protocol": (i) => `port-${i}-protocol`,
  "volumes.target": (i) => `volume-${i}-target`,
  "volumes.scope": (i) => `volume-${i}-scope`,
  "volumes.source": (i) => `volume-${i}-source`,
};

/** Each row control's first error, by control id; `envRow` turns a sent env index into the form's row index. */
function rowErrorsOf(shown: ShownError | null, envRow: (sent: number) => number): Record<string, string> {
  const byId: Record<string, string> = {};
  for (const [path, messages] of Object.entries(shown?.fieldErrors ?? {})) {
    const [list = "", index = "", key = ""] = path.split(".");
    const id = ROW_IDS[`${list}.${key}`]?.(list === "env" ? envRow(Number(index)) : Number(index));
    if (id && messages?.[0] && !byId[id]) byId[id] = messages[0];
  }
  return byId;
}

export type WorkloadFormProps =
  | { mode: "create"; projects: Project[]; defaults: { projectId?: string; stageId?: string } }
  | { mode: "edit"; projects: Project[]; workload: WorkloadView };

/**
 * The create / edit form's state and requests: the fields, the row lists, the chosen
 * project and stage, and the submit that creates or updates (and optionally redeploys).
 */
export function useWorkloadForm(props: WorkloadFormProps) {
  const router = useRouter();
  const utils = api.useUtils();
  const workload = props.mode === "edit" ? props.workload : undefined;
  const [form, setForm] = useState<FormState>(() => initialState(props.projects, props.mode === "create" ? props.defaults : {}, workload));
  const errorRef = useRef<HTMLDivElement>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const t = useTranslations() as unknown as Translator;
  // After the first submit the whole check runs as the admin types; before it, only the volume sources.
  const [checked, setChecked] = useState(false);
  const [focusRequest, setFocusRequest] = useState(0);
  useEffect(() => {
    if (focusRequest === 0) return;
    const invalid = formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    if (invalid) {
      invalid.focus();
      invalid.scrollIntoView({ block: "center" });
    } else errorRef.current?.scrollIntoView({ block: "center" });
  }, [focusRequest]);

  const done = async (view: WorkloadView) => {
    utils.workload.get.setData({ id: view.id }, view);
    await Promise.all([utils.workload.list.invalidate(), utils.project.list.invalidate()]);
    router.push(`/workloads/${view.id}`);
  };
  const create = api.workload.create.useMutation({ onSuccess: done });
  const update = api.workload.update.useMutation({ onSuccess: done });
  const mutation = props.mode === "create" ? create : update;
  // Once the server's refusal is rendered (not in onError, which runs before the error is in state).
  useEffect(() => {
    if (mutation.error) setFocusRequest((n) => n + 1);
  }, [mutation.error]);

  const project = props.projects.find((p) => p.id === form.projectId);
  const stage = project?.stages.find((s) => s.id === form.stageId);

  const patch = (p: Partial<FormState>) => setForm((f) => ({ ...f, ...p }));
  function list<K extends ListKey>(key: K): RowList<FormState[K][number]> {
    type Row = FormState[K][number];
    const edit = (change: (rows: Row[]) => Row[]) => setForm((f) => ({ ...f, [key]: change(f[key] as Row[]) }));
    return {
      rows: form[key] as Row[],
      add: () => edit((rows) => [...rows, { uid: uid(), ...NEW_ROW[key] } as Row]),
      change: (id, p) => edit((rows) => rows.map((r) => (r.uid === id ? { ...r, ...p } : r))),
      remove: (id) => edit((rows) => rows.filter((r) => r.uid !== id)),
    };
  }

  function settings() {
    return {
      image: form.image.trim(),
      command: parseCommand(form.command),
      // A row left completely empty is not a variable.
      env: form.env.filter((e) => e.key.trim() || e.value).map(({ key, value, secret }) => ({ key: key.trim(), value, secret })),
      ports: form.ports.map((p) => ({ hostPort: Number(p.hostPort), containerPort: Number(p.containerPort), protocol: p.protocol })),
      restartPolicy: form.restartPolicy,
      volumes: form.volumes.map((v) => ({
        target: v.target.trim(),
        scope: v.scope,
        source: v.source.trim(),
        readOnly: v.readOnly || undefined,
      })),
    };
  }

  // Everything the form can check itself, as the server would (src/shared/workload-fields.ts).
  const sent = settings();
  const keptEnv = form.env.flatMap((e, i) => (e.key.trim() || e.value ? [i] : []));
  const issues = workloadFieldIssues(props.mode === "create" ? { ...sent, name: form.name.trim() } : sent);
  const liveIssues = checked
    ? issues
    : issues.filter((x) => /^volumes\.\d+\.source$/.test(x.path) && sent.volumes[Number(x.path.split(".")[1])]?.source !== "");
  const local = liveIssues.length > 0 ? fieldIssuesShown(t, liveIssues) : null;
  const server = describeError(mutation.error);
  const shown = checked && local ? local : server;
  const envRow = (i: number) => keptEnv[i] ?? i;
  const rowErrors = { ...rowErrorsOf(server, envRow), ...rowErrorsOf(local, envRow) };

  function submit(redeploy: boolean) {
    setChecked(true);
    if (issues.length > 0) {
      mutation.reset();
      setFocusRequest((n) => n + 1);
      return;
    }
    if (props.mode === "create") {
      create.mutate({ projectId: form.projectId, stageId: form.stageId, name: form.name.trim(), ...settings(), labels: {} });
    } else {
      update.mutate({ id: props.workload.id, ...settings(), labels: props.workload.labels, redeploy });
    }
  }

  return {
    form,
    patch,
    list,
    submit,
    workload,
    project,
    slugs: workload ? { project: workload.projectSlug, stage: workload.stageSlug } : { project: project?.slug, stage: stage?.slug },
    noStages: props.mode === "create" && (!project || project.stages.length === 0),
    // Stay busy until the next page has loaded.
    busy: mutation.isPending || mutation.isSuccess,
    redeploying: !!update.variables?.redeploy,
    error: shown,
    rowErrors,
    errorRef,
    formRef,
  };
}
