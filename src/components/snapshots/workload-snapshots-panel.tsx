"use client";

import { useTranslations } from "next-intl";
import { useId, useRef, useState } from "react";
import { useFormatBytes } from "~/components/format/use-format";
import { Alert } from "~/components/ui/alert";
import { DismissibleAlert } from "~/components/ui/dismissible-alert";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { describeError, firstFieldError, operationErrorText, type Translator } from "~/components/ui/trpc-error";
import type { WorkloadView } from "~/components/workloads/options";
import { api } from "~/trpc/react";
import { useSnapshotCoverage } from "./coverage-panel";
import { DeletedNotice, type DeletedSnapshot } from "./delete-snapshot-dialog";
import { ImportSnapshotDialog } from "./import-snapshot-dialog";
import { isUndoCopyPhase, type SnapshotView, totalSize } from "./options";
import { useUndoCopyId } from "./restore-history";
import { useSnapshotName } from "./snapshot-name";
import { isOwnOperation, isOwnRestore, OFF_HOST_KINDS, OperationProgress, useOperationProgress } from "./snapshot-progress";
import { SnapshotsTable } from "./snapshots-table";
import { TakeSnapshotDialog } from "./take-snapshot-dialog";

type Notice =
  | { type: "captured"; snapshot: SnapshotView }
  | { type: "captureFailed"; message: string }
  | { type: "deleted"; deleted: DeletedSnapshot };

/**
 * The workload's snapshots: take one (admins), import an archive (admins), watch captures
 * and imports run (everyone), and the list with downloads and delete (admins).
 */
export function WorkloadSnapshotsCard({ workload, isAdmin }: { workload: WorkloadView; isAdmin: boolean }) {
  const t = useTranslations("snapshotPanel");
  const tw = useTranslations("workloads");
  const tp = useTranslations("snapshotProgress");
  const root = useTranslations() as unknown as Translator;
  const _tc = useTranslations("common");
  const bytes = useFormatBytes();
  const snapshotName = useSnapshotName();
  const titleId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const utils = api.useUtils();
  const list = api.snapshot.list.useQuery({ workloadId: workload.id });
  const coverage = useSnapshotCoverage(workload.id);
  const undoCopyId = useUndoCopyId(workload.id);
  const [notice, setNotice] = useState<Notice | null>(null);

  // Operations this tab starts: their outcome is shown from the request's own answer (a test
  // restore in its dialog). Copies and fetches are background work the off-host panel shows.
  const own = useRef({ capture: false, import: false });
  const progress = useOperationProgress(workload.id, (kind) =>
    kind === "capture" || kind === "import" ? own.current[kind] : isOwnOperation(workload.id, kind),
  );

  const capture = api.snapshot.create.useMutation({
    onMutate: () => {
      own.current.capture = true;
      setNotice(null);
    },
    onSuccess: (snapshot) => setNotice({ type: "captured", snapshot }),
    onError: (error) => {
      const shown = describeError(error);
      setNotice({ type: "captureFailed", message: shown?.message || firstFieldError(shown, "label") || t("captureFailedUnknown") });
    },
    onSettled: async () => {
      own.current.capture = false;
      await Promise.all([utils.snapshot.list.invalidate(), utils.workload.get.invalidate({ id: workload.id })]);
    },
  });

  // Own imports and restores show in their dialogs; an own capture is over once its request
  // answered, even if the stream's last event has not arrived (yet). An own restore shows
  // here once its request answered: its undo copy is saved in the background, and its
  // dialog may be closed by then.
  // A verification is never marked as this tab's: it shows here wherever it started (the Check
  // button only spins). Copies and fetches show in the off-host panel.
  const running = progress.running.filter(
    (o) =>
      !OFF_HOST_KINDS.has(o.event.kind) &&
      (!o.own || (o.event.kind === "capture" && capture.isPending) || (o.event.kind === "restore" && !isOwnRestore(workload.id))),
  );
  const ownImport = progress.running.find((o) => o.own && o.event.kind === "import") ?? null;
  // A restore saving its undo copy no longer holds the workload: only the part before blocks.
  const blockingOperation = running.some(
    (o) => o.event.kind === "capture" || (o.event.kind === "restore" && !isUndoCopyPhase(o.event.phase)),
  );
  const nothingCovered = coverage.data !== undefined && coverage.data.volumes.length === 0;
  const takeDisabled = !capture.isPending && (blockingOperation || workload.busy || nothingCovered);
  const takeHint = nothingCovered
    ? t("nothingToSnapshot")
    : blockingOperation
      ? t("operationRunning")
      : workload.busy
        ? tw("busyHint")
        : undefined;
  const foreign = progress.lastForeignOutcome;

  return (
    <Card role="region" aria-labelledby={titleId}>
      <CardHeader className="flex-row flex-wrap items-start justify-between gap-3">
        <div className="flex flex-col gap-1.5">
          <CardTitle id={titleId} ref={headingRef} tabIndex={-1} className="focus:outline-none">
            {t("title")}
          </CardTitle>
          <CardDescription>
            {list.data && list.data.length > 0
              ? t("summary", { count: list.data.length, size: bytes(totalSize(list.data)) })
              : t("description")}
          </CardDescription>
        </div>
        {isAdmin ? (
          <div className="flex flex-wrap items-start gap-2">
            <TakeSnapshotDialog
              workloadName={workload.name}
              running={workload.status.state === "running"}
              pending={capture.isPending}
              disabled={takeDisabled}
              disabledHint={takeHint}
              onSubmit={(request) => capture.mutate({ workloadId: workload.id, ...request })}
              focusAfterSubmit={() => headingRef.current?.focus()}
            />
            <ImportSnapshotDialog
              workloadId={workload.id}
              serverOperation={ownImport}
              onActiveChange={(active) => (own.current.import = active)}
            />
          </div>
        ) : null}
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        {isAdmin && takeDisabled && nothingCovered ? <p className="text-sm text-muted-foreground">{t("nothingToSnapshot")}</p> : null}
        {running.map((o) => (
          <OperationProgress key={o.event.operationId} operation={o} />
        ))}
        {notice?.type === "captured" ? (
          <DismissibleAlert variant="success" role="status" onDismiss={() => setNotice(null)}>
            {t("captured", { name: snapshotName(notice.snapshot), size: bytes(notice.snapshot.size) })}
            {notice.snapshot.capturedLive ? ` ${t("capturedLive")}` : null}
          </DismissibleAlert>
        ) : null}
        {notice?.type === "captureFailed" ? (
          <DismissibleAlert variant="destructive" role="alert" onDismiss={() => setNotice(null)}>
            {t("captureFailed", { message: notice.message })}
          </DismissibleAlert>
        ) : null}
        {notice?.type === "deleted" ? <DeletedNotice deleted={notice.deleted} onDismiss={() => setNotice(null)} /> : null}
        {foreign ? (
          <DismissibleAlert
            variant={foreign.event.error ? (foreign.savingUndoCopy ? "warning" : "destructive") : "info"}
            role={foreign.event.error ? "alert" : "status"}
            onDismiss={() => progress.dismiss(foreign.event.operationId)}
          >
            {foreign.event.error
              ? foreign.savingUndoCopy
                ? tp("otherUndoCopyFailed", { message: operationErrorText(root, foreign.event) })
                : tp("otherFailed", { kind: foreign.event.kind, message: operationErrorText(root, foreign.event) })
              : tp("otherFinished", { kind: foreign.event.kind })}
          </DismissibleAlert>
        ) : null}
        {list.isPending ? (
          <p className="text-sm text-muted-foreground">{t("loading")}</p>
        ) : !list.data ? (
          <Alert variant="destructive" role="alert">
            {t("loadFailed", { message: describeError(list.error)?.message ?? "" })}
          </Alert>
        ) : list.data.length === 0 ? (
          <p className="text-sm text-muted-foreground">{isAdmin ? t("emptyAdmin") : t("empty")}</p>
        ) : (
          <SnapshotsTable
            snapshots={list.data}
            workloadId={workload.id}
            workload={workload}
            undoCopyId={undoCopyId}
            isAdmin={isAdmin}
            onDeleted={(deleted) => setNotice({ type: "deleted", deleted })}
            focusAfterDelete={() => headingRef.current?.focus()}
            now={new Date(list.dataUpdatedAt)}
          />
        )}
      </CardContent>
    </Card>
  );
}
