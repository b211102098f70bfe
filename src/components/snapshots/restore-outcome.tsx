"use client";

import { useTranslations } from "next-intl";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { DialogFooter } from "~/components/ui/dialog";
import { operationErrorText, type Translator } from "~/components/ui/trpc-error";
import { api } from "~/trpc/react";
import { strippedSpecialBits, UNDO_COPY_STEPS, undoCopyProgress, type RestoreResultView } from "./options";
import { RestoreSteps, type RestoreProgress } from "./restore-progress";
import { useFormatMs } from "~/components/format/use-format";

function Targets({ title, targets }: { title: string; targets: string[] }) {
  return (
    <div>
      <p className="font-medium">{title}</p>
      <ul className="mt-1 list-disc pl-5">
        {targets.map((target) => (
          <li key={target}>
            <code className="font-mono text-xs break-all">{target}</code>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The files whose setuid/setgid the restore removed (an import not marked as trusted). */
function StrippedSpecialBits({ result }: { result: RestoreResultView }) {
  const t = useTranslations("restoreDialog");
  const stripped = strippedSpecialBits(result);
  if (!stripped) return null;
  return (
    <Alert variant="warning" data-testid="restore-stripped-special-bits">
      <AlertTitle>{t("strippedSpecialBits", { count: stripped.count })}</AlertTitle>
      <AlertDescription>
        <p className="text-xs">{t("strippedSpecialBitsHint")}</p>
        <ul className="mt-1 max-h-40 list-disc overflow-y-auto pl-5">
          {stripped.paths.map((p) => (
            <li key={p}>
              <code className="font-mono text-xs break-all">{p}</code>
            </li>
          ))}
        </ul>
        {stripped.unlisted > 0 ? <p className="mt-1 text-xs">{t("strippedSpecialBitsMore", { count: stripped.unlisted })}</p> : null}
      </AlertDescription>
    </Alert>
  );
}

/** The result of a restore, or of an undo (which also says how it went back). */
export type RestoreResultWithMethod = RestoreResultView & { method?: "swap" | "snapshot" };

// While the undo copy is being saved, its run is re-read this often in case the progress
// stream missed the end (a reconnect): the run's row is the record.
const UNDO_COPY_REFRESH_MS = 3_000;

/**
 * What the restore did: how long until the workload was back up and how long it was down,
 * the volumes replaced and kept, the files whose special permission bits were removed, a
 * warning when the data is back but the workload did not start again, and then the undo
 * copy being saved in the background (the dialog may be closed meanwhile).
 */
export function RestoreOutcome({
  workloadId,
  result,
  headline,
  progress,
  onClose,
}: {
  workloadId: string;
  result: RestoreResultWithMethod;
  headline: string;
  progress: RestoreProgress;
  onClose: () => void;
}) {
  const t = useTranslations("restoreDialog");
  const tc = useTranslations("common");
  const ms = useFormatMs();
  const time = ms(result.upAfterMs);
  const timing = result.redeployError
    ? t("dataInPlaceAfter", { time })
    : result.downtimeMs === null
      ? t("upNotRunning", { time })
      : t("backUp", { time, downtime: ms(result.downtimeMs) });
  return (
    <div className="flex flex-col gap-4 text-sm">
      <Alert variant="success" role="status">
        {headline} {timing}
      </Alert>
      {result.redeployError ? (
        <Alert variant="warning" role="alert" className="break-words">
          {t("redeployFailed", { message: result.redeployError })}
        </Alert>
      ) : null}
      <section aria-label={t("outcomeLabel")} className="flex flex-col gap-3">
        {result.restored.length > 0 ? <Targets title={t("restored")} targets={result.restored} /> : null}
        {result.untouched.length > 0 ? <Targets title={t("untouched")} targets={result.untouched} /> : null}
      </section>
      <StrippedSpecialBits result={result} />
      <UndoCopy workloadId={workloadId} result={result} progress={progress} />
      <DialogFooter>
        <Button onClick={onClose}>{tc("done")}</Button>
      </DialogFooter>
    </div>
  );
}

/** The background part: the replaced data archived as the undo copy, then removed. */
function UndoCopy({ workloadId, result, progress }: { workloadId: string; result: RestoreResultView; progress: RestoreProgress }) {
  const t = useTranslations("restoreDialog");
  const root = useTranslations() as unknown as Translator;
  const pending = result.undoCopy === "pending";
  const runs = api.snapshot.restoreRuns.useQuery(
    { workloadId },
    {
      enabled: pending,
      refetchInterval: (q) => {
        const run = q.state.data?.find((r) => r.id === result.restoreRunId);
        return run && undoCopyProgress(run, undefined) !== "pending" ? false : UNDO_COPY_REFRESH_MS;
      },
    },
  );
  if (!pending) return <p className="text-muted-foreground">{t("undoCopyNone")}</p>;

  const run = runs.data?.find((r) => r.id === result.restoreRunId);
  const event = progress.operation?.event;
  const state = undoCopyProgress(run, event);
  return (
    <section aria-label={t("undoCopyLabel")} className="flex flex-col gap-2">
      {state === "none" ? (
        <p className="text-muted-foreground">{t("undoCopyNone")}</p>
      ) : state === "saved" ? (
        <p role="status" className="text-muted-foreground">
          {t("undoCopySaved")}
        </p>
      ) : state === "undone" ? (
        <p role="status" className="text-muted-foreground">
          {t("undoCopyUndone")}
        </p>
      ) : state === "failed" ? (
        <Alert variant="warning" role="alert" className="break-words">
          {t("undoCopyFailed")}
          {event?.error ? ` ${operationErrorText(root, event)}` : null}
        </Alert>
      ) : (
        <>
          <RestoreSteps steps={UNDO_COPY_STEPS} progress={progress} label={t("undoCopyStepsLabel")} />
          <p className="text-xs text-muted-foreground">{t("undoCopyCloseHint")}</p>
        </>
      )}
    </section>
  );
}
