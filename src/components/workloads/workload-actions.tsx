"use client";

import { useTranslations } from "next-intl";
import type { ReactNode } from "react";
import { Alert } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { describeError } from "~/components/ui/trpc-error";
import { cn } from "~/lib/utils";
import { api } from "~/trpc/react";
import { canStop, type WorkloadView } from "./options";

/**
 * Deploy / start / stop for one workload. Each returns the fresh view, which goes straight
 * into the detail query; the list and the project counts are refetched.
 */
export function useWorkloadLifecycle(id: string) {
  const utils = api.useUtils();
  const onSuccess = async (view: WorkloadView) => {
    utils.workload.get.setData({ id }, view);
    await Promise.all([utils.workload.list.invalidate(), utils.workload.events.invalidate({ id })]);
  };
  // A failed action may still have changed something (a container removed, then not started); its event is new.
  const onError = () =>
    Promise.all([utils.workload.list.invalidate(), utils.workload.get.invalidate({ id }), utils.workload.events.invalidate({ id })]);
  const deploy = api.workload.deploy.useMutation({ onSuccess, onError });
  const start = api.workload.start.useMutation({ onSuccess, onError });
  const stop = api.workload.stop.useMutation({ onSuccess, onError });
  const all = [deploy, start, stop];
  const run = (which: typeof deploy | typeof start | typeof stop) => {
    for (const m of all) if (m !== which) m.reset();
    which.mutate({ id });
  };
  return {
    deploy,
    start,
    stop,
    run,
    pending: all.some((m) => m.isPending),
    error: describeError(deploy.error ?? start.error ?? stop.error),
  };
}

/**
 * The quick actions: Deploy (or Redeploy), and Start or Stop depending on the state. While
 * one runs, or while the server holds the workload's lock (busy), all are disabled.
 * `extra` (the detail page's Edit and Delete) joins the same row; with `errorBelow` a failure
 * shows in a full-width alert under the row, not squeezed beside the buttons.
 */
export function WorkloadLifecycleActions({
  workload,
  size = "sm",
  className,
  errorClassName,
  extra,
  errorBelow = false,
}: {
  workload: WorkloadView;
  size?: "sm" | "default";
  className?: string;
  errorClassName?: string;
  extra?: ReactNode;
  errorBelow?: boolean;
}) {
  const t = useTranslations("workloads");
  const { deploy, start, stop, run, pending, error } = useWorkloadLifecycle(workload.id);
  const locked = workload.busy && !pending;
  const disabled = pending || locked;
  const title = locked ? t("busyHint") : undefined;
  const missing = workload.status.state === "missing";
  const action = (
    request: typeof deploy | typeof start | typeof stop,
    variant: "default" | "outline",
    nameKey: "deployName" | "redeployName" | "stopName" | "startName",
    label: string,
    busyLabel: string,
  ) => (
    <Button
      size={size}
      variant={variant}
      busy={request.isPending}
      disabled={disabled}
      title={title}
      aria-label={t(nameKey, { name: workload.name })}
      onClick={() => run(request)}
    >
      {request.isPending ? busyLabel : label}
    </Button>
  );

  return (
    <div className={cn("flex flex-col gap-1", className)}>
      <div className="flex flex-wrap items-center gap-2" aria-busy={pending || undefined}>
        {action(
          deploy,
          missing ? "default" : "outline",
          missing ? "deployName" : "redeployName",
          missing ? t("deploy") : t("redeploy"),
          t("deploying"),
        )}
        {canStop(workload.status)
          ? action(stop, "outline", "stopName", t("stop"), t("stopping"))
          : missing
            ? null
            : action(start, "outline", "startName", t("start"), t("starting"))}
        {extra}
      </div>
      {error && errorBelow ? (
        <Alert variant="destructive" role="alert" className={cn("mt-2", errorClassName)} data-testid="action-error">
          {error.message || t("actionFailed")}
        </Alert>
      ) : error ? (
        <p role="alert" className={cn("max-w-md text-xs break-words text-destructive-soft-foreground", errorClassName)}>
          {error.message || t("actionFailed")}
        </p>
      ) : null}
    </div>
  );
}
