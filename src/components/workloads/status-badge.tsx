"use client";

import { useTranslations } from "next-intl";
import { DateTime } from "~/components/format/date-time";
import { Badge } from "~/components/ui/badge";
import { reasonText, type Translator } from "~/components/ui/trpc-error";
import { type ContainerStatus, UNREACHABLE_REASONS, type WorkloadView } from "./options";

/** Docker reports "0001-01-01T00:00:00Z" for times that never happened. */
function realDate(value: string | undefined): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) || date.getUTCFullYear() < 2000 ? null : date;
}

type Variant = "default" | "secondary" | "success" | "destructive" | "outline";

function variantOf(status: ContainerStatus): Variant {
  switch (status.state) {
    case "running":
      return "success";
    case "exited":
      return status.exitCode === 0 ? "secondary" : "destructive";
    case "dead":
    case "unreachable":
      return "destructive";
    case "missing":
      return "outline";
    default:
      return "default";
  }
}

// The server sends a code for why the state is unknown, never Docker's text.
const reasonOf = (reason: string) => UNREACHABLE_REASONS.find((r) => r === reason) ?? "docker-error";

/** The container's state as a badge; the text is the state itself, the colour only repeats it. */
export function StatusBadge({ status, className }: { status: ContainerStatus; className?: string }) {
  const t = useTranslations("workloads");
  return (
    <Badge
      variant={variantOf(status)}
      className={className}
      title={status.state === "unreachable" ? t(`unreachableReasons.${reasonOf(status.reason)}`) : undefined}
    >
      {t(`status.${status.state}`)}
    </Badge>
  );
}

/** The detail that goes with a state: since when it runs, how it exited, why it is unknown. */
export function StatusDetail({ status }: { status: ContainerStatus }) {
  const t = useTranslations("workloads");
  if (status.state === "running") {
    const since = realDate(status.startedAt);
    return since ? (
      <span>
        {t("statusSince")} <DateTime value={since} />
      </span>
    ) : null;
  }
  if (status.state === "exited") {
    const finished = realDate(status.finishedAt);
    return (
      <span>
        {t("exitCode", { code: status.exitCode })}
        {finished ? (
          <>
            {" · "}
            <DateTime value={finished} />
          </>
        ) : null}
      </span>
    );
  }
  if (status.state === "missing") return <span>{t("statusMissingDetail")}</span>;
  if (status.state === "unreachable")
    return <span>{t("statusUnreachableDetail", { reason: t(`unreachableReasons.${reasonOf(status.reason)}`) })}</span>;
  return null;
}

/** The newest deploy failed: said in the status area (and why) until a later deploy succeeds, also after a reload. */
export function DeployFailureDetail({ failure }: { failure: WorkloadView["lastDeployFailure"] }) {
  const t = useTranslations("workloadChanges");
  const root = useTranslations() as unknown as Translator;
  if (!failure) return null;
  return (
    <span role="status" className="basis-full break-words text-destructive-soft-foreground" data-testid="last-deploy-failure">
      {t("lastDeployFailed", { reason: reasonText(root, failure.reason, failure.params, t("events.noReason")) })}{" "}
      <span className="text-muted-foreground">
        (<DateTime value={failure.at} />)
      </span>
    </span>
  );
}
