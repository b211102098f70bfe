"use client";

import { useTranslations } from "next-intl";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { DialogFooter } from "~/components/ui/dialog";
import { strippedSpecialBits, type RestoreResultView } from "./options";
import type { RestorePurpose } from "./restore-dialog";

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

/**
 * What the restore did: the volumes replaced and the ones kept, the files whose special
 * permission bits were removed, a warning when the data is back but the workload did not
 * start again, and where the previous data went (for undo).
 */
export function RestoreOutcome({
  result,
  name,
  purpose,
  onClose,
}: {
  result: RestoreResultView;
  name: string;
  purpose: RestorePurpose;
  onClose: () => void;
}) {
  const t = useTranslations("restoreDialog");
  const tc = useTranslations("common");
  return (
    <div className="flex flex-col gap-4 text-sm">
      <Alert variant="success" role="status">
        {purpose === "undo" ? t("undone", { name }) : t("succeeded", { name })}
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
      <p className="text-muted-foreground">{result.preRestoreSnapshotId ? t("preRestoreSaved") : t("noPreRestore")}</p>
      <DialogFooter>
        <Button onClick={onClose}>{tc("done")}</Button>
      </DialogFooter>
    </div>
  );
}
