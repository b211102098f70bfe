import type { EngineDeps } from "~/server/engine/deps";
import type { AlertNotice } from "./alert-notice";
import { storedEvents } from "./alert-targets";
import { deliverToTarget } from "./deliver";

async function deliverToSubscribers(deps: EngineDeps, notice: AlertNotice): Promise<void> {
  const targets = await deps.db.alertTarget.findMany({ where: { enabled: true } });
  const subscribed = targets.filter((t) => storedEvents(t.events).includes(notice.event));
  await Promise.all(subscribed.map((t) => deliverToTarget(deps, t, notice)));
}

/**
 * Tells every enabled target subscribed to the notice's event, in the background: the caller
 * (a scheduled run, a prune, a restore) never waits for a receiver and never fails because of
 * one. deps.alerts.settled() waits for the deliveries.
 */
export function notifyAlert(deps: EngineDeps, notice: AlertNotice): void {
  const delivering = deliverToSubscribers(deps, notice).catch((error: unknown) => {
    deps.log.error({ err: error, event: notice.event }, "alert delivery failed");
  });
  deps.alerts.track(delivering);
}
