"use client";

import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Checkbox } from "~/components/ui/checkbox";
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
import { describeError, firstFieldError } from "~/components/ui/trpc-error";
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
  const [open, setOpen] = useState(false);
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
  const confirmed = !deleteData || confirmName === workload.name;
  const folders = workload.volumePreview.filter((v) => v.scope !== "named");
  const named = workload.volumePreview.filter((v) => v.scope === "named");

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (busy) return;
        setOpen(next);
        if (!next) {
          remove.reset();
          setDeleteData(false);
          setConfirmName("");
        }
      }}
    >
      <DialogTrigger asChild>
        <Button variant="outline" className="text-destructive-soft-foreground">
          {tc("delete")}
        </Button>
      </DialogTrigger>
      <DialogContent closeLabel={tc("close")}>
        <DialogHeader>
          <DialogTitle>{t("title")}</DialogTitle>
          <DialogDescription>{t("description", { name: workload.name, container: workload.containerName })}</DialogDescription>
        </DialogHeader>
        <form
          className="flex flex-col gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            if (!confirmed) return;
            remove.mutate({ id: workload.id, deleteData, confirmName: deleteData ? confirmName : undefined });
          }}
        >
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
              <FormField id="delete-confirm-name" label={t("confirmLabel", { name: workload.name })} error={firstFieldError(error, "confirmName")}>
                {(p) => (
                  <Input
                    {...p}
                    autoComplete="off"
                    spellCheck={false}
                    className="font-mono"
                    value={confirmName}
                    disabled={busy}
                    onChange={(e) => setConfirmName(e.target.value)}
                  />
                )}
              </FormField>
            </>
          ) : null}
          {error?.message ? (
            <Alert variant="destructive" role="alert">
              {error.message}
            </Alert>
          ) : null}
          <DialogFooter>
            <DialogClose asChild>
              <Button variant="outline" disabled={busy}>
                {tc("cancel")}
              </Button>
            </DialogClose>
            <Button type="submit" variant="destructive" busy={busy} disabled={!confirmed}>
              {busy ? t("deleting") : deleteData ? t("confirmWithData") : t("confirm")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
