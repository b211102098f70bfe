"use client";

import { useTranslations } from "next-intl";
import { useId, useState } from "react";
import { useFormatBytes } from "~/components/format/use-format";
import { ConfirmFooter } from "~/components/ui/action-dialog";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { CodeInput } from "~/components/ui/code-input";
import { Label } from "~/components/ui/label";
import type { WorkloadView } from "~/components/workloads/options";
import { api } from "~/trpc/react";
import {
  planRestore,
  RESTORE_FOREGROUND_STEPS,
  type RestorePlan,
  restoreConfirmationText,
  type SnapshotView,
  stripsSpecialBits,
} from "./options";
import { RestoreRunDialog, restoreEndTitle, RunFailure, undoEndTitle, useRestoreRun } from "./restore-run";
import { useSnapshotName } from "./snapshot-name";

export type RestorePurpose = "restore" | "undo";

/**
 * The restore dialog, for a snapshot row's Restore and the history's Undo once the undo copy
 * is saved (it restores that run's pre-restore snapshot). It says exactly what will happen,
 * asks for the snapshot's label (or id) to be typed, sends `confirm` = the snapshot id, shows
 * the steps as they run and then the outcome. It cannot be closed or submitted twice while
 * the request runs; once the workload is up it can, while the undo copy is saved on the server.
 * Its owner opens it and keeps it mounted outside the list rows: the restore may take the
 * row away (a pruned snapshot, a run no longer the latest) while the outcome is on screen.
 */
export function RestoreDialog({
  workload,
  snapshot,
  purpose,
  open,
  onOpenChange,
}: {
  workload: WorkloadView;
  snapshot: SnapshotView;
  purpose: RestorePurpose;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const t = useTranslations("restoreDialog");
  const name = useSnapshotName()(snapshot);
  const inputId = useId();
  const [typed, setTyped] = useState("");
  const restore = useRestoreRun({
    workloadId: workload.id,
    open,
    onOpenChange,
    conflictMessage: t("conflict"),
    onClosed: () => setTyped(""),
    request: api.snapshot.restore,
  });
  const expected = restoreConfirmationText(snapshot);
  const plan = planRestore(snapshot.manifest, workload.volumes);
  const notImage = workload.sourceKind !== "image";
  const refused = notImage || plan.refused.length > 0;
  const confirmed = typed.trim() === expected;

  return (
    <RestoreRunDialog
      run={restore}
      title={purpose === "undo" ? t("undoTitle") : t("title", { name })}
      endTitle={(ending) => (purpose === "undo" ? undoEndTitle(t, ending) : restoreEndTitle(t, ending))}
      description={
        purpose === "undo" ? t("undoDescription", { workload: workload.name, name }) : t("description", { workload: workload.name })
      }
      headline={() => (purpose === "undo" ? t("undone", { name }) : t("succeeded", { name }))}
      steps={RESTORE_FOREGROUND_STEPS}
      busyLabel={t("restoring")}
    >
      <form
        className="flex flex-col gap-4"
        onSubmit={(e) => {
          e.preventDefault();
          if (restore.busy || refused || !confirmed) return;
          restore.mutation.mutate({ workloadId: workload.id, snapshotId: snapshot.id, confirm: snapshot.id });
        }}
      >
        <WhatHappens
          plan={plan}
          containerName={workload.containerName}
          sharedWith={restore.sharedWith}
          stripsSpecialBits={stripsSpecialBits(snapshot)}
        />
        {refused ? (
          <Alert variant="destructive">
            <AlertTitle>{t("refusedTitle")}</AlertTitle>
            <AlertDescription>
              {notImage ? t("refusedNotImage") : t("refused", { count: plan.refused.length, targets: plan.refused.join(", ") })}
            </AlertDescription>
          </Alert>
        ) : (
          <div className="flex flex-col gap-2">
            <Label htmlFor={inputId}>
              {/* The phrase stands apart from the sentence, and one click selects all of it to copy. */}
              {t.rich("confirmLabel", {
                phrase: () => (
                  <code
                    data-testid="restore-confirm-phrase"
                    className="rounded bg-muted px-1.5 py-0.5 font-mono text-sm break-all select-all"
                  >
                    {expected}
                  </code>
                ),
              })}
            </Label>
            <CodeInput id={inputId} aria-describedby={`${inputId}-hint`} value={typed} onChange={(e) => setTyped(e.target.value)} />
            <p id={`${inputId}-hint`} className="text-xs text-muted-foreground">
              {snapshot.label ? t("confirmHintLabel") : t("confirmHintId")}
            </p>
          </div>
        )}
        <RunFailure title={t("failedTitle")} message={restore.error} />
        <ConfirmFooter destructive disabled={refused || !confirmed} confirmLabel={purpose === "undo" ? t("undoConfirm") : t("confirm")} />
      </form>
    </RestoreRunDialog>
  );
}

/** The restore, step by step, in the engine's order, naming every volume it touches or keeps. */
function WhatHappens({
  plan,
  containerName,
  sharedWith,
  stripsSpecialBits,
}: {
  plan: RestorePlan;
  containerName: string;
  sharedWith: { id: string; name: string }[];
  stripsSpecialBits: boolean;
}) {
  const t = useTranslations("restoreDialog");
  const tw = useTranslations("workloads");
  const bytes = useFormatBytes();
  return (
    <Alert variant="warning">
      <ol className="flex list-decimal flex-col gap-2 pl-5">
        <li>{t("stepStage")}</li>
        <StopSteps containerName={containerName} sharedWith={sharedWith} />
        <li>
          {t("stepReplace", { count: plan.replaced.length })}
          <ul className="mt-1 list-disc pl-5">
            {plan.replaced.map((v) => (
              <li key={v.target} className="break-all">
                <code className="font-mono text-xs font-semibold">{v.target}</code>{" "}
                <span className="text-xs">({t("volumeContents", { files: v.files, size: bytes(v.bytes) })})</span>
              </li>
            ))}
          </ul>
          {stripsSpecialBits ? <p className="mt-1 text-xs">{t("stepStripSpecialBits")}</p> : null}
        </li>
        <li>
          {plan.kept.length === 0 ? (
            t("stepKeepNone")
          ) : (
            <>
              {t("stepKeep", { count: plan.kept.length })}
              <ul className="mt-1 list-disc pl-5">
                {plan.kept.map((v) => (
                  <li key={v.target} className="break-all">
                    <code className="font-mono text-xs font-semibold">{v.target}</code>{" "}
                    <span className="text-xs">({tw(`scopes.${v.scope}`)})</span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </li>
        <li>{t("stepRedeploy")}</li>
        <li>{t("stepUndoCopy")}</li>
      </ol>
    </Alert>
  );
}

/** The container that stops, and every other workload that mounts the same folders (stopped too). */
export function StopSteps({ containerName, sharedWith }: { containerName: string; sharedWith: { id: string; name: string }[] }) {
  const t = useTranslations("restoreDialog");
  return (
    <>
      <li>{t("stepStop", { container: containerName })}</li>
      {sharedWith.length > 0 && (
        <li data-testid="restore-shared-with">
          {t("stepStopShared", { count: sharedWith.length })}
          <ul className="mt-1 list-disc pl-5">
            {sharedWith.map((w) => (
              <li key={w.id} className="break-all font-mono text-xs font-semibold">
                {w.name}
              </li>
            ))}
          </ul>
        </li>
      )}
    </>
  );
}
