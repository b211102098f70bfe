import type { AlertEvent, AlertFormat } from "~/shared/alerts";
import type { ErrorParams } from "~/shared/error-reasons";

/** What happened, as every alert target is told it (in the format the target chose). */
export interface AlertNotice {
  event: AlertEvent;
  workload?: { id: string; name: string };
  /** English, for the reader of the webhook: never a host path */
  message: string;
  /** the code behind the message, for receivers that act on it */
  reason?: string;
  params?: ErrorParams;
  snapshotId?: string;
  runId?: string;
  at: Date;
}

export type AlertSeverity = "error" | "warning" | "info";

const SEVERITY: Record<AlertEvent, AlertSeverity> = {
  "schedule-failed": "error",
  "prune-failed": "error",
  "restore-failed": "error",
  "disk-low": "warning",
  "copy-failed": "error",
  "verify-failed": "error",
  "test-restore-failed": "error",
  "test-restore-succeeded": "info",
  "schedule-succeeded": "info",
  "restore-succeeded": "info",
};

/** The body Berth's own JSON format posts; every key is present (null when it does not apply). */
export interface AlertJsonBody {
  source: "berth";
  event: AlertEvent;
  severity: AlertSeverity;
  at: string;
  message: string;
  workload: { id: string; name: string } | null;
  reason: string | null;
  params: ErrorParams | null;
  snapshotId: string | null;
  runId: string | null;
  test?: true;
}

export function alertJsonBody(notice: AlertNotice, options: { test?: boolean } = {}): AlertJsonBody {
  return {
    source: "berth",
    event: notice.event,
    severity: SEVERITY[notice.event],
    at: notice.at.toISOString(),
    message: notice.message,
    workload: notice.workload ? { id: notice.workload.id, name: notice.workload.name } : null,
    reason: notice.reason ?? null,
    params: notice.params ?? null,
    snapshotId: notice.snapshotId ?? null,
    runId: notice.runId ?? null,
    ...(options.test ? { test: true as const } : {}),
  };
}

// Slack reads &, < and > as markup (links, mentions); a workload name or message must stay text.
const slackEscape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** `{ text }`: one line, which Slack's and Mattermost's incoming webhooks post as it is. */
export function alertSlackBody(notice: AlertNotice): { text: string } {
  const line = notice.workload ? `${notice.workload.name}: ${notice.message}` : notice.message;
  return { text: `Berth: ${slackEscape(line.replace(/\s*[\r\n]+\s*/g, " "))}` };
}

export const alertBody = (format: AlertFormat, notice: AlertNotice, options: { test?: boolean } = {}): object =>
  format === "slack" ? alertSlackBody(notice) : alertJsonBody(notice, options);
