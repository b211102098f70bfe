"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { TestRestoreDetails, TestRestoreOutput } from "~/components/off-host/test-restores-card";
import { TEST_COMMAND_EXAMPLES, TEST_COMMAND_MAX } from "~/components/off-host/options";
import { ActionDialog, ErrorAlert } from "~/components/ui/action-dialog";
import { Alert } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { CodeInput } from "~/components/ui/code-input";
import { DialogClose, DialogFooter } from "~/components/ui/dialog";
import { FormField } from "~/components/ui/form-field";
import { describeError, firstFieldError } from "~/components/ui/trpc-error";
import { api } from "~/trpc/react";
import { useArmedOperation } from "./armed-progress";
import type { SnapshotView } from "./options";
import { markOwnOperation, OperationProgress } from "./snapshot-progress";

/**
 * Test-restores a snapshot (admins): unpacked into a sandbox, a throwaway container of the
 * workload's image started on it without network or ports, and an optional check command run
 * in it until it succeeds. The live data and container are never touched. The dialog shows
 * the progress, then how it ended: the exit code and the output.
 */
export function TestRestoreDialog({
  snapshot,
  name,
  open,
  onOpenChange,
  onCloseAutoFocus,
}: {
  snapshot: SnapshotView;
  name: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** where focus goes when it closes (the menu item that opened it is gone) */
  onCloseAutoFocus: (event: Event) => void;
}) {
  const t = useTranslations("snapshots.testRestore");
  const tc = useTranslations("common");
  const utils = api.useUtils();
  const [command, setCommand] = useState("");
  const progress = useArmedOperation(snapshot.workloadId, "test-restore", open);
  const run = api.snapshot.testRestore.useMutation({
    onMutate: () => {
      progress.arm();
      markOwnOperation(snapshot.workloadId, "test-restore", true);
    },
    onSettled: async () => {
      markOwnOperation(snapshot.workloadId, "test-restore", false);
      await Promise.all([
        utils.snapshot.testRestores.invalidate({ workloadId: snapshot.workloadId }),
        utils.dashboard.overview.invalidate(),
      ]);
    },
  });
  const shown = describeError(run.error);
  // A command the server refused shows at the field; other refusals above the form.
  const commandError = run.error?.data?.reason === "test-command-invalid" ? shown?.message : firstFieldError(shown, "command");
  const formError = commandError ? undefined : shown?.message || (run.error ? t("requestFailed") : undefined);
  const result = run.data;

  return (
    <ActionDialog
      className="max-w-2xl"
      open={open}
      busy={run.isPending}
      onOpenChange={(next) => {
        onOpenChange(next);
        if (!next) {
          run.reset();
          progress.reset();
          setCommand("");
        }
      }}
      onCloseAutoFocus={onCloseAutoFocus}
      title={t("title", { name })}
      description={t("description")}
    >
      <form
        className="flex flex-col gap-4"
        onSubmit={(e) => {
          e.preventDefault();
          if (run.isPending) return;
          run.mutate({ id: snapshot.id, command: command.trim() || undefined });
        }}
      >
        <ErrorAlert message={formError} />
        <FormField id="test-restore-command" label={t("command")} hint={t("commandHint", { max: TEST_COMMAND_MAX })} error={commandError}>
          {(p) => (
            <CodeInput
              {...p}
              maxLength={TEST_COMMAND_MAX}
              placeholder={TEST_COMMAND_EXAMPLES[1]}
              disabled={run.isPending}
              value={command}
              onChange={(e) => setCommand(e.target.value)}
            />
          )}
        </FormField>
        <div className="-mt-2 flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-muted-foreground">
          <span>{t("examples")}</span>
          {TEST_COMMAND_EXAMPLES.map((example) => (
            <Button
              key={example}
              variant="outline"
              size="sm"
              className="h-auto px-1.5 py-0.5 font-mono text-xs"
              disabled={run.isPending}
              aria-label={t("useExample", { command: example })}
              onClick={() => setCommand(example)}
            >
              {example}
            </Button>
          ))}
        </div>
        {run.isPending ? (
          progress.operation ? (
            <OperationProgress operation={progress.operation} />
          ) : (
            <p role="status" className="text-sm text-muted-foreground">
              {t("starting")}
            </p>
          )
        ) : null}
        {result ? (
          <Alert
            variant={result.outcome === "passed" ? "success" : "destructive"}
            role={result.outcome === "passed" ? "status" : "alert"}
            data-testid="test-restore-result"
            data-outcome={result.outcome ?? "running"}
          >
            <p className="font-medium">{result.outcome === "passed" ? t("passed") : t("failed")}</p>
            <TestRestoreDetails run={result} />
          </Alert>
        ) : null}
        {result ? <TestRestoreOutput output={result.output} open /> : null}
        <DialogFooter>
          <DialogClose asChild>
            <Button variant="outline" disabled={run.isPending}>
              {tc("close")}
            </Button>
          </DialogClose>
          <Button type="submit" busy={run.isPending}>
            {run.isPending ? t("running") : result ? t("runAgain") : t("confirm")}
          </Button>
        </DialogFooter>
      </form>
    </ActionDialog>
  );
}
