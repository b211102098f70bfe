import { setTimeout as sleep } from "node:timers/promises";
import type { AlertTarget } from "~/generated/prisma/client";
import type { EngineDeps } from "~/server/engine/deps";
import { publicFailure } from "~/server/engine/public-error";
import type { AlertDeliveryOutcome, AlertFormat } from "~/shared/alerts";
import { encodeReason } from "~/shared/encoded-reason";
import type { ErrorParams, ErrorReason } from "~/shared/error-reasons";
import { type AlertNotice, alertBody } from "./alert-notice";

/** How one delivery ended; a failure says why as a reason the UI translates. */
export interface DeliveryResult {
  delivered: boolean;
  /** the receiver's last HTTP status, when it answered */
  status?: number;
  reason?: string;
  params?: ErrorParams;
}

interface Failure {
  reason: ErrorReason;
  params?: ErrorParams;
  message: string;
  status?: number;
  retry: boolean;
  /** the network error's code, for the log */
  code?: string;
}
type Attempt = { delivered: true; status: number } | ({ delivered: false } & Failure);

/**
 * Where a request goes and how it authenticates: fetch refuses a URL with credentials in it,
 * so a `user:password@` part (which the target stores sealed, like the rest) becomes Basic auth.
 */
function requestOf(url: string): { url: string; headers: Record<string, string> } {
  const parsed = new URL(url);
  const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "berth" };
  if (parsed.username || parsed.password) {
    const basic = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
    headers.authorization = `Basic ${Buffer.from(basic).toString("base64")}`;
    parsed.username = "";
    parsed.password = "";
  }
  return { url: parsed.href, headers };
}

function failedStatus(status: number): Failure {
  if (status >= 300 && status < 400) {
    // A redirect is a failure, never followed: the alert (and any secret in the body) stays with the host the admin chose.
    return {
      reason: "alert-delivery-redirected",
      params: { status },
      status,
      retry: false,
      message: `The receiver answered with a redirect (HTTP ${status}); Berth does not follow redirects`,
    };
  }
  // Other 4xx answers will not change on a retry; 408, 429 and 5xx may.
  const retry = status >= 500 || status === 408 || status === 429;
  return { reason: "alert-delivery-failed", params: { status }, status, retry, message: `The receiver answered HTTP ${status}` };
}

/** The failure's code (ECONNREFUSED, TimeoutError…) for the log: fetch's messages may repeat the URL, so they are not logged. */
const errorCode = (error: unknown): string | undefined => {
  for (let e = error; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const { code, name } = e as { code?: unknown; name?: unknown };
    if (typeof code === "string") return code;
    if (name === "TimeoutError" || name === "AbortError") return name;
  }
  return undefined;
};

async function attempt(deps: EngineDeps, request: { url: string; headers: Record<string, string> }, body: string): Promise<Attempt> {
  const { timeoutMs } = deps.alerts;
  try {
    const response = await fetch(request.url, {
      method: "POST",
      headers: request.headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The answer's body is not read: release the connection.
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { delivered: true, status: response.status };
    return { delivered: false, ...failedStatus(response.status) };
  } catch (error) {
    const code = errorCode(error);
    if (code === "TimeoutError") {
      const seconds = Math.ceil(timeoutMs / 1000);
      return {
        delivered: false,
        reason: "alert-delivery-timeout",
        params: { seconds },
        retry: true,
        code,
        message: `The receiver did not answer within ${seconds} s`,
      };
    }
    return { delivered: false, reason: "alert-delivery-unreachable", retry: true, code, message: "The receiver could not be reached" };
  }
}

async function record(deps: EngineDeps, target: AlertTarget, outcome: AlertDeliveryOutcome, failure?: Failure): Promise<void> {
  const lastDetail = failure ? encodeReason({ reason: failure.reason, params: failure.params, message: failure.message }) : null;
  // updateMany: the target may have been deleted while its delivery ran.
  await deps.db.alertTarget.updateMany({
    where: { id: target.id },
    data: { lastDeliveryAt: new Date(), lastOutcome: outcome, lastDetail },
  });
}

/**
 * Posts a notice to one target, retrying after each of deps.alerts.retryDelaysMs while the
 * failure may pass, and records how it ended on the target. Never throws for the receiver's
 * sake (only when the database fails). The URL is never logged: its path often is the secret.
 */
export async function deliverToTarget(
  deps: EngineDeps,
  target: AlertTarget,
  notice: AlertNotice,
  options: { test?: boolean; retry?: boolean } = {},
): Promise<DeliveryResult> {
  const about = { alertTargetId: target.id, urlPreview: target.urlPreview, event: notice.event };
  let request: { url: string; headers: Record<string, string> };
  try {
    request = requestOf(deps.secrets.open(target.urlSealed));
  } catch (error) {
    // The secret key changed or the value is damaged: this delivery fails with that reason.
    const cause = publicFailure(error);
    const failure: Failure = { ...cause, reason: cause.reason ?? "unexpected", retry: false };
    deps.log.warn({ ...about, reason: failure.reason }, "alert target URL cannot be opened");
    await record(deps, target, "failed", failure);
    return { delivered: false, reason: failure.reason, params: failure.params };
  }
  const body = JSON.stringify(alertBody(target.format as AlertFormat, notice, options));
  // "Send test" answers an admin who waits: one attempt, no back-off.
  const delays = options.retry === false ? [] : deps.alerts.retryDelaysMs;
  for (let n = 0; ; n++) {
    const result = await attempt(deps, request, body);
    if (result.delivered) {
      await record(deps, target, "delivered");
      return { delivered: true, status: result.status };
    }
    const last = !result.retry || n >= delays.length;
    deps.log.warn(
      { ...about, attempt: n + 1, reason: result.reason, status: result.status, code: result.code, retrying: !last },
      "alert delivery attempt failed",
    );
    if (last) {
      await record(deps, target, "failed", result);
      return { delivered: false, status: result.status, reason: result.reason, params: result.params };
    }
    await sleep(delays[n]);
  }
}
