"use client";

import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { ErrorAlert } from "~/components/ui/action-dialog";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Checkbox } from "~/components/ui/checkbox";
import { CodeInput } from "~/components/ui/code-input";
import { FormDialog } from "~/components/ui/form-dialog";
import { FormField } from "~/components/ui/form-field";
import { describeError, firstFieldError } from "~/components/ui/trpc-error";
import { useRequestDialog } from "~/components/ui/use-request-dialog";
import { api } from "~/trpc/react";
import { describeDataLocation, type WorkloadView } from "./options";

/**
 * Deleting removes the container and the settings; the data stays unless "also delete the
 * data" is ticked, which then asks for the workload's name (the server checks it again).
 */
export function DeleteWorkloadDialog({ workload, onDeleted }: { workload: WorkloadView; onDeleted: () => void }) {
  const t = useTranslations("workloadDelete");
  const tc = useTranslations("common");
  const router = useRouter();
  const utils = api.useUtils();
  const dialog = useRequestDialog({
    onClosed: () => {
      setDeleteData(false);
      setConfirmName("");
    },
  });
  const [deleteData, setDeleteData] = useState(false);
  const [confirmName, setConfirmName] = useState("");
  const remove = api.workload.delete.useMutation({
    onSuccess: async () => {
      onDeleted();
      router.push("/workloads");
      await Promise.all([utils.workload.list.invalidate(), utils.project.list.invalidate()]);
    },
  });
  const error = describeError(remove.error);
  const busy = remove.isPending || remove.isSuccess;
  // The server refuses while snapshots exist (they are never deleted with their workload): say so before the click.
  const snapshots = api.snapshot.list.useQuery({ workloadId: workload.id });
  const snapshotCount = snapshots.data?.length ?? 0;
  const confirmed = (!deleteData || confirmName === workload.name) && snapshotCount === 0;
  const folders = workload.volumePreview.filter((v) => v.scope !== "named");
  const named = workload.volumePreview.filter((v) => v.scope === "named");

  return (
    <FormDialog
      {...dialog.bind(remove)}
      // Still busy once deleted: the page is on its way to the list.
      busy={busy}
      trigger={
        <Button variant="outline" className="text-destructive-soft-foreground">
          {tc("delete")}
        </Button>
      }
      title={t("title")}
      description={t("description", { name: workload.name, container: workload.containerName })}
      destructive
      disabled={!confirmed}
      confirmLabel={busy ? t("deleting") : deleteData ? t("confirmWithData") : t("confirm")}
      onSubmit={() => {
        if (!confirmed) return;
        remove.mutate({ id: workload.id, deleteData, confirmName: deleteData ? confirmName : undefined });
      }}
    >
      {snapshotCount > 0 ? (
        <Alert variant="warning" data-testid="delete-workload-snapshots">
          <AlertTitle>{t("snapshotsTitle", { count: snapshotCount })}</AlertTitle>
          <AlertDescription>{t("snapshotsKept")}</AlertDescription>
        </Alert>
      ) : null}
      {folders.length > 0 || named.length > 0 ? (
        <Checkbox
          label={t("alsoDeleteData")}
          checked={deleteData}
          disabled={busy}
          onChange={(e) => {
            setDeleteData(e.target.checked);
            if (!e.target.checked) setConfirmName("");
          }}
        />
      ) : (
        <p className="text-sm text-muted-foreground">{t("noData")}</p>
      )}
      {!deleteData && folders.length > 0 ? <p className="text-sm text-muted-foreground">{t("dataKept")}</p> : null}
      {deleteData ? (
        <>
          <Alert variant="warning">
            <AlertTitle>{t("dataWarningTitle")}</AlertTitle>
            <AlertDescription>
              {folders.length > 0 ? (
                <>
                  <p>{t("dataWarning")}</p>
                  <ul className="mt-2 list-disc pl-5">
                    {folders.map((v) => (
                      <li key={v.target} className="break-all">
                        <code className="font-mono text-xs">
                          {v.hostPath ?? describeDataLocation(v, { project: workload.projectSlug, stage: workload.stageSlug }) ?? v.source}
                        </code>{" "}
                        <span className="text-xs">({v.target})</span>
                      </li>
                    ))}
                  </ul>
                  <p className="mt-2 text-xs">{t("sharedKept")}</p>
                </>
              ) : null}
              {named.length > 0 ? <p className="mt-2 text-xs">{t("namedKept")}</p> : null}
            </AlertDescription>
          </Alert>
          <FormField
            id="delete-confirm-name"
            label={t("confirmLabel", { name: workload.name })}
            error={firstFieldError(error, "confirmName")}
          >
            {(p) => <CodeInput {...p} value={confirmName} disabled={busy} onChange={(e) => setConfirmName(e.target.value)} />}
          </FormField>
        </>
      ) : null}
      {/* After the fields: the failure is about what they asked. */}
      <ErrorAlert message={error?.message} />
    </FormDialog>
  );
}
