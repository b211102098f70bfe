import { isOneOf } from "./codes";

/** What an alert target can be told; the `*-succeeded` ones are opt-in success notices. */
export const ALERT_EVENTS = [
  "schedule-failed",
  "prune-failed",
  "disk-low",
  "restore-failed",
  "copy-failed",
  "verify-failed",
  "test-restore-failed",
  "schedule-succeeded",
  "restore-succeeded",
  "test-restore-succeeded",
] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];
export const isAlertEvent = isOneOf(ALERT_EVENTS);
/** A new target's events: every failure and warning, no success notices. */
export const DEFAULT_ALERT_EVENTS: AlertEvent[] = ALERT_EVENTS.filter((event) => !event.endsWith("-succeeded"));

/** json: Berth's own JSON body; slack: `{ text }`, which Slack, Mattermost, Rocket.Chat and Discord's /slack endpoint accept. */
export const ALERT_FORMATS = ["json", "slack"] as const;
export type AlertFormat = (typeof ALERT_FORMATS)[number];
export const isAlertFormat = isOneOf(ALERT_FORMATS);

/** A target's last delivery (AlertTarget.lastOutcome). */
export const ALERT_DELIVERY_OUTCOMES = ["delivered", "failed"] as const;
export type AlertDeliveryOutcome = (typeof ALERT_DELIVERY_OUTCOMES)[number];
