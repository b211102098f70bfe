"use client";

import { useTranslations } from "next-intl";
import { Alert } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { DialogFooter } from "~/components/ui/dialog";
import type { RestoreResultView } from "./options";
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

/**
 * What the restore did: the volumes replaced and the ones kept, a warning when the data is
 * back but the workload did not start again, and where the previous data went (for undo).
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
      <p className="text-muted-foreground">{result.preRestoreSnapshotId ? t("preRestoreSaved") : t("noPreRestore")}</p>
      <DialogFooter>
        <Button onClick={onClose}>{tc("done")}</Button>
      </DialogFooter>
    </div>
  );
}
