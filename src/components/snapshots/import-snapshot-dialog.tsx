"use client";

import { useTranslations } from "next-intl";
import { useEffect, useRef, useState } from "react";
import { useFormatBytes } from "~/components/format/use-format";
import { ActionDialog } from "~/components/ui/action-dialog";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Checkbox } from "~/components/ui/checkbox";
import { DialogFooter } from "~/components/ui/dialog";
import { FormField } from "~/components/ui/form-field";
import { Input } from "~/components/ui/input";
import { describeError } from "~/components/ui/trpc-error";
import type { ErrorParams } from "~/shared/error-reasons";
import { api } from "~/trpc/react";
import { estimateSecondsLeft, importUrl, LABEL_MAX_LENGTH, type PhaseSample, progressFraction } from "./options";
import { ProgressBar, type TrackedOperation, usePhaseLabel, useProgressText } from "./snapshot-progress";

interface ImportResult {
  snapshot: { id: string; label: string; size: number; kind: string; keepSpecialBits?: boolean };
  matched: string[];
  unmatched: string[];
}

type State =
  | { step: "form"; error?: string }
  | { step: "uploading"; loaded: number; total: number; sample: PhaseSample }
  | { step: "processing"; total: number }
  | { step: "done"; result: ImportResult };

/** The server's `{ error: { message, reason, params } }` in the UI's language, or a sentence about the status when the body is not ours. */
function errorMessage(xhr: XMLHttpRequest, fallback: (status: number) => string): string {
  try {
    const body = JSON.parse(xhr.responseText) as { error?: { message?: unknown; reason?: string; params?: ErrorParams } };
    const { message, reason, params } = body.error ?? {};
    if (typeof message === "string" && message) return describeError({ message, data: { reason, params } })?.message || message;
  } catch {}
  return fallback(xhr.status);
}

/**
 * Uploads a snapshot archive (.tar.gz) as a multipart form with XMLHttpRequest, for its
 * upload progress; the server then checks the whole archive before storing it as an
 * `imported` snapshot, and answers which of its volumes match the workload's current ones.
 * "Keep special permission bits" (off by default) goes in the query, so a restore keeps
 * setuid/setgid on the archive's files only when the admin trusts it.
 * The upload can be cancelled; the dialog cannot be closed while it runs.
 */
export function ImportSnapshotDialog({
  workloadId,
  serverOperation,
  onActiveChange,
}: {
  workloadId: string;
  /** this upload's operation on the server's progress stream, once it shows up */
  serverOperation: TrackedOperation | null;
  onActiveChange: (active: boolean) => void;
}) {
  const t = useTranslations("snapshotImport");
  const tc = useTranslations("common");
  const bytes = useFormatBytes();
  const progressText = useProgressText();
  const phaseLabel = usePhaseLabel();
  const utils = api.useUtils();
  const [open, setOpen] = useState(false);
  const [label, setLabel] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [keepSpecialBits, setKeepSpecialBits] = useState(false);
  const [state, setState] = useState<State>({ step: "form" });
  const xhrRef = useRef<XMLHttpRequest | null>(null);
  const active = state.step === "uploading" || state.step === "processing";

  // Leaving the page cancels an upload in flight (the server then stores nothing).
  useEffect(() => () => xhrRef.current?.abort(), []);

  function reset() {
    setLabel("");
    setFile(null);
    setKeepSpecialBits(false);
    setState({ step: "form" });
  }

  function finish(next: State) {
    xhrRef.current = null;
    onActiveChange(false);
    setState(next);
  }

  function start() {
    if (!file || active) return;
    const xhr = new XMLHttpRequest();
    xhrRef.current = xhr;
    onActiveChange(true);
    setState({ step: "uploading", loaded: 0, total: file.size, sample: { phase: "upload", at: Date.now(), bytes: 0 } });
    xhr.upload.onprogress = (e) =>
      setState((s) => (s.step === "uploading" ? { ...s, loaded: e.loaded, total: e.lengthComputable ? e.total : file.size } : s));
    xhr.upload.onload = () => setState((s) => (s.step === "uploading" ? { step: "processing", total: s.total } : s));
    xhr.onload = () => {
      if (xhr.status === 201) {
        try {
          const result = JSON.parse(xhr.responseText) as ImportResult;
          finish({ step: "done", result });
          void utils.snapshot.list.invalidate();
          return;
        } catch {}
      }
      finish({ step: "form", error: errorMessage(xhr, (status) => t("failedStatus", { status })) });
    };
    xhr.onerror = () => finish({ step: "form", error: t("failedNetwork") });
    xhr.onabort = () => finish({ step: "form", error: t("cancelled") });
    xhr.open("POST", importUrl(workloadId, { keepSpecialBits }));
    const form = new FormData();
    // The label goes first: the server reads fields that come before the file.
    if (label.trim()) form.append("label", label.trim());
    form.append("file", file, file.name);
    xhr.send(form);
  }

  return (
    <ActionDialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) reset();
      }}
      busy={active}
      trigger={<Button variant="outline">{t("open")}</Button>}
      title={t("title")}
      description={t("description")}
    >
      {state.step === "done" ? (
        <ImportOutcome
          result={state.result}
          onClose={() => {
            setOpen(false);
            reset();
          }}
        />
      ) : (
        <form
          className="flex flex-col gap-4"
          aria-busy={active || undefined}
          onSubmit={(e) => {
            e.preventDefault();
            start();
          }}
        >
          <FormField id="import-label" label={t("label")} hint={t("labelHint", { max: LABEL_MAX_LENGTH })}>
            {(p) => (
              <Input
                {...p}
                autoComplete="off"
                maxLength={LABEL_MAX_LENGTH}
                value={label}
                disabled={active}
                onChange={(e) => setLabel(e.target.value)}
              />
            )}
          </FormField>
          <FormField id="import-file" label={t("file")} hint={t("fileHint")}>
            {(p) => (
              <Input
                {...p}
                type="file"
                accept=".tar.gz,.tgz,application/gzip,application/x-gzip"
                required
                disabled={active}
                className="h-auto py-1.5 file:mr-3 file:rounded file:border-0 file:bg-secondary file:px-2 file:py-1 file:text-sm file:font-medium file:text-secondary-foreground"
                onChange={(e) => {
                  setFile(e.target.files?.[0] ?? null);
                  if (state.step === "form" && state.error) setState({ step: "form" });
                }}
              />
            )}
          </FormField>
          {file && state.step === "form" ? (
            <p className="-mt-2 text-xs text-muted-foreground">{t("fileChosen", { name: file.name, size: bytes(file.size) })}</p>
          ) : null}
          <Checkbox
            label={t("keepSpecialBits")}
            checked={keepSpecialBits}
            disabled={active}
            onChange={(e) => setKeepSpecialBits(e.target.checked)}
            hint={t("keepSpecialBitsHint")}
          />
          {state.step === "uploading" ? (
            <div className="flex flex-col gap-1.5">
              <div className="flex flex-wrap justify-between gap-x-4 text-sm">
                <span role="status">{t("uploading")}</span>
                <span className="text-xs text-muted-foreground tabular-nums">
                  {progressText(state.loaded, state.total, estimateSecondsLeft(state.sample, Date.now(), state.loaded, state.total))}
                </span>
              </div>
              <ProgressBar fraction={progressFraction(state.loaded, state.total)} label={t("uploading")} />
            </div>
          ) : null}
          {state.step === "processing" ? (
            <div className="flex flex-col gap-1.5">
              <p role="status" className="text-sm">
                {serverOperation && !serverOperation.event.done && serverOperation.event.phase !== "uploading"
                  ? phaseLabel(serverOperation.event.phase)
                  : t("processing")}
              </p>
              <ProgressBar fraction={null} label={t("processing")} />
            </div>
          ) : null}
          {state.step === "form" && state.error ? (
            <Alert variant="destructive" role="alert">
              {state.error}
            </Alert>
          ) : null}
          <DialogFooter>
            {active ? (
              <Button variant="outline" onClick={() => xhrRef.current?.abort()}>
                {t("cancelUpload")}
              </Button>
            ) : (
              <Button
                variant="outline"
                onClick={() => {
                  setOpen(false);
                  reset();
                }}
              >
                {tc("cancel")}
              </Button>
            )}
            <Button type="submit" busy={active} disabled={!file}>
              {active ? t("importing") : t("confirm")}
            </Button>
          </DialogFooter>
        </form>
      )}
    </ActionDialog>
  );
}

/** The imported snapshot, and which of its volumes the workload has today. */
function ImportOutcome({ result, onClose }: { result: ImportResult; onClose: () => void }) {
  const t = useTranslations("snapshotImport");
  const tc = useTranslations("common");
  const bytes = useFormatBytes();
  const { matched, unmatched } = result;
  return (
    <div className="flex flex-col gap-4">
      <Alert variant="success" role="status">
        {t("done", { name: result.snapshot.label || t("noLabel"), size: bytes(result.snapshot.size) })}
      </Alert>
      <p className="text-sm">{result.snapshot.keepSpecialBits ? t("specialBitsKept") : t("specialBitsStripped")}</p>
      <section aria-label={t("matchReport")} className="flex flex-col gap-3 text-sm">
        {matched.length === 0 && unmatched.length === 0 ? <p className="text-muted-foreground">{t("noVolumes")}</p> : null}
        {matched.length > 0 ? (
          <div>
            <p className="font-medium">{t("matched", { count: matched.length })}</p>
            <ul className="mt-1 list-disc pl-5">
              {matched.map((target) => (
                <li key={target}>
                  <code className="font-mono text-xs break-all">{target}</code>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        {unmatched.length > 0 ? (
          <Alert variant="warning">
            <AlertTitle>{t("unmatched", { count: unmatched.length })}</AlertTitle>
            <AlertDescription>
              <ul className="list-disc pl-5">
                {unmatched.map((target) => (
                  <li key={target}>
                    <code className="font-mono text-xs break-all">{target}</code>
                  </li>
                ))}
              </ul>
              <p className="mt-2 text-xs">{t("unmatchedHint")}</p>
            </AlertDescription>
          </Alert>
        ) : null}
      </section>
      <DialogFooter>
        <Button onClick={onClose}>{tc("done")}</Button>
      </DialogFooter>
    </div>
  );
}
