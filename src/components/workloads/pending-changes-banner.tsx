"use client";

import { useTranslations } from "next-intl";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { formatCommandForDisplay, type WorkloadView } from "./options";
import { useWorkloadLifecycle } from "./workload-actions";

type PendingChange = NonNullable<WorkloadView["pendingChanges"]>[number];

/** One side of a change as text: a command's arguments shell-style, a restart policy by its name. */
function useShown() {
  const t = useTranslations("workloadChanges");
  const tw = useTranslations("workloads");
  return (change: PendingChange, value: string | string[] | undefined) => {
    if (value === undefined) return undefined;
    if (Array.isArray(value)) return value.length === 0 ? t("imageDefaultCommand") : formatCommandForDisplay(value);
    if (change.field === "restartPolicy") return tw(`restartPolicies.${value as WorkloadView["restartPolicy"]}`);
    return value;
  };
}

function ChangeLine({ change }: { change: PendingChange }) {
  const t = useTranslations("workloadChanges");
  const shown = useShown();
  // Spelled out (no template key): the catalog test sees every key used.
  const fieldName: Record<PendingChange["field"], string> = {
    image: t("fields.image"),
    command: t("fields.command"),
    env: t("fields.env"),
    ports: t("fields.ports"),
    restartPolicy: t("fields.restartPolicy"),
    volumes: t("fields.volumes"),
    labels: t("fields.labels"),
  };
  const before = shown(change, change.before);
  const after = shown(change, change.after);
  const values =
    change.change === "added"
      ? after === undefined
        ? t("added")
        : `${t("added")}: ${after}`
      : change.change === "removed"
        ? before === undefined
          ? t("removed")
          : `${t("removed")}: ${before}`
        : before === undefined || after === undefined
          ? t("valueChanged")
          : `${before} → ${after}`;
  return (
    <li className="break-words">
      <span className="font-medium">{fieldName[change.field]}</span>
      {change.key ? <code className="ml-1 font-mono text-xs break-all">{change.key}</code> : null}
      {": "}
      <span className="font-mono text-xs break-all">{values}</span>
    </li>
  );
}

/** "Saved, not applied": what the running container lacks, and (admins) the Redeploy that applies it. */
export function PendingChangesBanner({ workload, isAdmin }: { workload: WorkloadView; isAdmin: boolean }) {
  const t = useTranslations("workloadChanges");
  const { deploy, run, pending, error } = useWorkloadLifecycle(workload.id);
  const changes = workload.pendingChanges;
  if (!changes) return null;
  return (
    <Alert variant="warning" role="status" aria-labelledby="pending-changes-title" data-testid="pending-changes">
      <AlertTitle id="pending-changes-title">{t("title")}</AlertTitle>
      <AlertDescription className="flex flex-col gap-3">
        <p>{isAdmin ? t("descriptionAdmin") : t("descriptionViewer")}</p>
        <ul className="flex list-disc flex-col gap-1 pl-5">
          {changes.map((c) => (
            <ChangeLine key={`${c.field}:${c.key ?? ""}`} change={c} />
          ))}
        </ul>
        {isAdmin ? (
          <div>
            <Button busy={deploy.isPending} disabled={pending || workload.busy} onClick={() => run(deploy)}>
              {deploy.isPending ? t("redeploying") : t("redeploy")}
            </Button>
          </div>
        ) : null}
        {error ? (
          <p role="alert" className="text-destructive-soft-foreground">
            {error.message || t("redeployFailed")}
          </p>
        ) : null}
      </AlertDescription>
    </Alert>
  );
}
