"use client";

import Link from "next/link";
import { useTranslations } from "next-intl";
import { useEffect, useRef, useState } from "react";
import { DateTime } from "~/components/format/date-time";
import { useFormatBytes } from "~/components/format/use-format";
import { OperationProgress, ProgressBar, useOperationProgress } from "~/components/snapshots/snapshot-progress";
import { ErrorAlert } from "~/components/ui/action-dialog";
import { Alert } from "~/components/ui/alert";
import { Button, buttonVariants } from "~/components/ui/button";
import { Checkbox } from "~/components/ui/checkbox";
import { DialogFooter } from "~/components/ui/dialog";
import { FormField } from "~/components/ui/form-field";
import { Select } from "~/components/ui/select";
import { describeError } from "~/components/ui/trpc-error";
import { api, type RouterOutputs } from "~/trpc/react";
import type { RemoteArchiveView, StorageTargetView } from "./target-draft";

export type ImportRequest = ReturnType<typeof api.storageTarget.importArchive.useMutation>;
type WorkloadView = RouterOutputs["workload"]["list"][number];

/** The workload an archive most likely belongs to: the one it came from, else one of the same name. */
export function defaultWorkloadId(archive: RemoteArchiveView, workloads: readonly WorkloadView[]): string {
  const d = archive.described;
  if (!d) return "";
  return (workloads.find((w) => w.id === d.workloadId) ?? workloads.find((w) => w.name === d.workloadName))?.id ?? "";
}

/**
 * Imports one archive from the target into a workload chosen here (as an upload would be: an
 * `imported` snapshot, setuid/setgid stripped at restore unless kept), showing the download's
 * progress and, at the end, where the snapshot now is.
 */
export function ImportArchiveForm({
  target,
  archive,
  request,
  onBack,
  onClose,
}: {
  target: StorageTargetView;
  archive: RemoteArchiveView;
  request: ImportRequest;
  onBack: () => void;
  onClose: () => void;
}) {
  const t = useTranslations("storageTargets.import");
  const bytes = useFormatBytes();
  const workloads = api.workload.list.useQuery();
  const [workloadId, setWorkloadId] = useState<string | null>(null);
  const [keepSpecialBits, setKeepSpecialBits] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  // Until the admin picks one, the guess follows the list as it loads.
  const chosenId = workloadId ?? defaultWorkloadId(archive, workloads.data ?? []);
  const chosen = workloads.data?.find((w) => w.id === chosenId);
  const error = describeError(request.error);
  const d = archive.described;
  const prefix = `import-${archive.snapshotId}`;
  const busy = request.isPending;

  if (request.data) {
    const into = workloads.data?.find((w) => w.id === request.data.workloadId);
    return <ImportDone snapshot={request.data} workloadName={into?.name} onBack={onBack} onClose={onClose} />;
  }

  return (
    <form
      className="flex flex-col gap-4"
      aria-labelledby={`${prefix}-title`}
      aria-busy={busy || undefined}
      onSubmit={(e) => {
        e.preventDefault();
        if (chosenId && !busy) request.mutate({ targetId: target.id, name: archive.name, workloadId: chosenId, keepSpecialBits });
      }}
    >
      <h3 id={`${prefix}-title`} ref={heading} tabIndex={-1} className="text-sm font-semibold focus:outline-none">
        {t("title")}
      </h3>
      <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-1 text-sm">
        <dt className="text-muted-foreground">{t("fromWorkload")}</dt>
        <dd className="font-mono break-all">{d ? d.workloadName : t("undescribed")}</dd>
        {d ? (
          <>
            <dt className="text-muted-foreground">{t("label")}</dt>
            <dd className="break-words">{d.label || t("noLabel")}</dd>
            <dt className="text-muted-foreground">{t("taken")}</dt>
            <dd>
              <DateTime value={d.createdAt} />
            </dd>
          </>
        ) : null}
        <dt className="text-muted-foreground">{t("size")}</dt>
        <dd>{bytes(archive.size)}</dd>
        <dt className="text-muted-foreground">{t("file")}</dt>
        <dd className="font-mono text-xs break-all">{archive.name}</dd>
      </dl>
      {workloads.isPending ? (
        <p role="status" className="text-sm text-muted-foreground">
          {t("loadingWorkloads")}
        </p>
      ) : workloads.error ? (
        <ErrorAlert message={t("workloadsFailed", { message: describeError(workloads.error)?.message ?? "" })} />
      ) : workloads.data.length === 0 ? (
        <Alert variant="warning">
          {t("noWorkloads")}{" "}
          <Link href="/workloads/new" className="underline underline-offset-4" onClick={onClose}>
            {t("createWorkload")}
          </Link>
        </Alert>
      ) : (
        <FormField
          id={`${prefix}-workload`}
          label={t("workload")}
          hint={d && !chosen ? t("workloadNoMatch", { name: d.workloadName }) : t("workloadHint")}
        >
          {(p) => (
            <Select {...p} required disabled={busy} value={chosenId} onChange={(e) => setWorkloadId(e.target.value)} className="w-full">
              <option value="" disabled>
                {t("chooseWorkload")}
              </option>
              {workloads.data.map((w) => (
                <option key={w.id} value={w.id}>
                  {t("workloadOption", { name: w.name, project: w.projectSlug, stage: w.stageSlug })}
                </option>
              ))}
            </Select>
          )}
        </FormField>
      )}
      <Checkbox
        label={t("keepSpecialBits")}
        hint={t("keepSpecialBitsHint")}
        checked={keepSpecialBits}
        disabled={busy}
        onChange={(e) => setKeepSpecialBits(e.target.checked)}
      />
      {archive.here ? <p className="text-xs text-muted-foreground">{t("hereNote")}</p> : null}
      {busy && chosenId ? <ImportProgress workloadId={chosenId} /> : null}
      <ErrorAlert message={error ? t("failed", { message: error.message || t("failedUnknown") }) : null} />
      <DialogFooter>
        <Button variant="outline" disabled={busy} onClick={onBack}>
          {t("back")}
        </Button>
        <Button type="submit" busy={busy} disabled={!chosenId}>
          {busy ? t("importing") : t("confirm")}
        </Button>
      </DialogFooter>
    </form>
  );
}

/** Where the imported snapshot now is; focus moves here, since the button that started it is gone. */
function ImportDone({
  snapshot,
  workloadName,
  onBack,
  onClose,
}: {
  snapshot: RouterOutputs["storageTarget"]["importArchive"];
  workloadName?: string;
  onBack: () => void;
  onClose: () => void;
}) {
  const t = useTranslations("storageTargets.import");
  const tc = useTranslations("common");
  const outcome = useRef<HTMLDivElement>(null);
  useEffect(() => outcome.current?.focus(), []);
  const name = workloadName ?? snapshot.workloadId;
  return (
    <div className="flex flex-col gap-4">
      <div ref={outcome} tabIndex={-1} className="focus:outline-none">
        <Alert variant="success" role="status">
          {t("done", { label: snapshot.label || t("noLabel"), workload: name })}
        </Alert>
      </div>
      {/* Only imported snapshots have the choice; one of this workload's own, refilled, keeps its bits. */}
      {snapshot.keepSpecialBits === undefined ? null : (
        <p className="text-sm">{snapshot.keepSpecialBits ? t("specialBitsKept") : t("specialBitsStripped")}</p>
      )}
      <DialogFooter>
        <Button variant="outline" onClick={onBack}>
          {t("backToList")}
        </Button>
        <Link href={`/workloads/${snapshot.workloadId}`} className={buttonVariants({ variant: "outline" })} onClick={onClose}>
          {t("openWorkload", { name })}
        </Link>
        <Button onClick={onClose}>{tc("done")}</Button>
      </DialogFooter>
    </div>
  );
}

/** The download as the workload's "fetch" operation reports it; a busy bar until it shows up. */
function ImportProgress({ workloadId }: { workloadId: string }) {
  const t = useTranslations("storageTargets.import");
  const { running } = useOperationProgress(workloadId, (kind) => kind === "fetch");
  const operation = running.find((o) => o.event.kind === "fetch");
  if (operation) return <OperationProgress operation={operation} />;
  return (
    <div className="flex flex-col gap-1.5">
      <p role="status" className="text-sm">
        {t("importing")}
      </p>
      <ProgressBar fraction={null} label={t("importing")} />
    </div>
  );
}
