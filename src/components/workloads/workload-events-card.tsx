"use client";

import { useTranslations } from "next-intl";
import { DateTime } from "~/components/format/date-time";
import { Badge } from "~/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { reasonText, type Translator } from "~/components/ui/trpc-error";
import { api } from "~/trpc/react";
import type { WorkloadEventKind, WorkloadEventOutcome } from "~/server/engine/workloads/workload-events";

const EVENTS_SHOWN = 20;
const EVENTS_REFRESH_MS = 5_000;

const outcomeVariant = { success: "success", failure: "destructive", "rolled-back": "secondary" } as const;

/** What happened to the workload (deploys, stops, starts, restores), newest first, with why a failure failed. */
export function WorkloadEventsCard({ workloadId }: { workloadId: string }) {
  const t = useTranslations("workloadChanges");
  const root = useTranslations() as unknown as Translator;
  // Spelled out (no template key): the catalog test sees every key used.
  const kindName: Record<WorkloadEventKind, string> = {
    deploy: t("events.kinds.deploy"),
    start: t("events.kinds.start"),
    stop: t("events.kinds.stop"),
    update: t("events.kinds.update"),
    restore: t("events.kinds.restore"),
  };
  const outcomeName: Record<WorkloadEventOutcome, string> = {
    success: t("events.outcomes.success"),
    failure: t("events.outcomes.failure"),
    "rolled-back": t("events.outcomes.rolled-back"),
  };
  const events = api.workload.events.useQuery({ id: workloadId, limit: EVENTS_SHOWN }, { refetchInterval: EVENTS_REFRESH_MS });
  return (
    <Card role="region" aria-labelledby="workload-events-title">
      <CardHeader>
        <CardTitle id="workload-events-title">{t("events.title")}</CardTitle>
        <CardDescription>{t("events.description", { count: EVENTS_SHOWN })}</CardDescription>
      </CardHeader>
      <CardContent>
        {events.isPending ? (
          <p className="text-sm text-muted-foreground">{t("events.loading")}</p>
        ) : !events.data ? (
          <p role="alert" className="text-sm text-destructive-soft-foreground">
            {t("events.loadFailed")}
          </p>
        ) : events.data.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("events.empty")}</p>
        ) : (
          <ul className="flex flex-col divide-y divide-border text-sm" data-testid="workload-events">
            {events.data.map((e) => (
              <li key={e.id} className="flex flex-col gap-1 py-2 first:pt-0 last:pb-0">
                <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
                  <span className="font-medium">{kindName[e.kind]}</span>
                  <Badge variant={outcomeVariant[e.outcome]}>{outcomeName[e.outcome]}</Badge>
                  <span className="text-muted-foreground">
                    <DateTime value={e.at} />
                  </span>
                  <span className="break-all text-muted-foreground">{t("events.by", { actor: e.actor })}</span>
                </div>
                {e.reason ? (
                  <p className="break-words text-muted-foreground">{reasonText(root, e.reason, e.params, t("events.noReason"))}</p>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </CardContent>
    </Card>
  );
}
