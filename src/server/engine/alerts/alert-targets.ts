import type { AlertTarget } from "~/generated/prisma/client";
import type { Actor } from "~/server/engine/actor";
import { audited, recordAudit } from "~/server/engine/audit";
import type { EngineDeps } from "~/server/engine/deps";
import { badRequest, notFound } from "~/server/engine/errors";
import { type AlertEvent, type AlertFormat, isAlertEvent, isAlertFormat } from "~/shared/alerts";
import { decodeReason } from "~/shared/encoded-reason";
import type { ErrorParams } from "~/shared/error-reasons";
import { deliverToTarget, type DeliveryResult } from "./deliver";

/** A target as clients see it: never its URL, whose path or query often is the secret. */
export interface AlertTargetView {
  id: string;
  name: string;
  format: AlertFormat;
  /** `scheme://host[:port]` of the URL */
  urlPreview: string;
  events: AlertEvent[];
  enabled: boolean;
  createdAt: Date;
  lastDeliveryAt: Date | null;
  lastOutcome: string | null;
  /** why the last delivery failed, as a reason the UI translates */
  lastReason?: string;
  lastParams?: ErrorParams;
}

/** A target's stored events; a damaged list subscribes to nothing rather than failing every notice. */
export function storedEvents(events: string): AlertEvent[] {
  try {
    const parsed: unknown = JSON.parse(events);
    return Array.isArray(parsed) ? parsed.filter(isAlertEvent) : [];
  } catch {
    return [];
  }
}

function alertTargetView(row: AlertTarget): AlertTargetView {
  const last = row.lastDetail ? decodeReason(row.lastDetail) : null;
  return {
    id: row.id,
    name: row.name,
    format: isAlertFormat(row.format) ? row.format : "json",
    urlPreview: row.urlPreview,
    events: storedEvents(row.events),
    enabled: row.enabled,
    createdAt: row.createdAt,
    lastDeliveryAt: row.lastDeliveryAt,
    lastOutcome: row.lastOutcome,
    ...(last ? { lastReason: last.reason, lastParams: last.params ?? {} } : {}),
  };
}

/**
 * Checks a target URL and derives its preview. Credentials in it are allowed (sent as Basic
 * auth): like the path, they are part of the sealed secret and never in the preview.
 */
function checkedUrl(url: string): { url: string; preview: string } {
  const parsed = URL.canParse(url.trim()) ? new URL(url.trim()) : null;
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:") || !parsed.hostname) {
    throw badRequest("An alert target's URL must be an http:// or https:// address with a host", { reason: "alert-url-invalid" });
  }
  return { url: parsed.href, preview: `${parsed.protocol}//${parsed.host}` };
}

const uniqueEvents = (events: readonly AlertEvent[]) => JSON.stringify([...new Set(events)]);

async function getAlertTargetRow(deps: EngineDeps, id: string): Promise<AlertTarget> {
  const row = await deps.db.alertTarget.findUnique({ where: { id } });
  if (!row) throw notFound("alertTarget");
  return row;
}

export async function listAlertTargets(deps: EngineDeps, _admin: Actor): Promise<AlertTargetView[]> {
  const rows = await deps.db.alertTarget.findMany({ orderBy: { createdAt: "asc" } });
  return rows.map(alertTargetView);
}

export async function createAlertTarget(
  deps: EngineDeps,
  actor: Actor,
  input: { name: string; format: AlertFormat; url: string; events: AlertEvent[]; enabled?: boolean },
): Promise<AlertTargetView> {
  const name = input.name.trim();
  return audited(
    deps,
    actor,
    { action: "alertTarget.create", target: name, detail: { format: input.format, events: input.events } },
    async () => {
      const { url, preview } = checkedUrl(input.url);
      const row = await deps.db.alertTarget.create({
        data: {
          name,
          format: input.format,
          urlSealed: deps.secrets.seal(url),
          urlPreview: preview,
          events: uniqueEvents(input.events),
          enabled: input.enabled ?? true,
        },
      });
      return alertTargetView(row);
    },
    (view) => ({ target: view.id, detail: { name, urlPreview: view.urlPreview } }),
  );
}

/** Changes what is given; an omitted URL keeps the stored one (clients never have it to send back). */
export async function updateAlertTarget(
  deps: EngineDeps,
  actor: Actor,
  input: { id: string; name?: string; format?: AlertFormat; url?: string; events?: AlertEvent[]; enabled?: boolean },
): Promise<AlertTargetView> {
  const { id, url: newUrl, events, ...rest } = input;
  const changed = Object.keys(input).filter((k) => k !== "id" && input[k as keyof typeof input] !== undefined);
  return audited(deps, actor, { action: "alertTarget.update", target: id, detail: { changed } }, async () => {
    await getAlertTargetRow(deps, id);
    const url = newUrl === undefined ? undefined : checkedUrl(newUrl);
    const row = await deps.db.alertTarget.update({
      where: { id },
      data: {
        ...rest,
        ...(rest.name === undefined ? {} : { name: rest.name.trim() }),
        ...(events === undefined ? {} : { events: uniqueEvents(events) }),
        ...(url ? { urlSealed: deps.secrets.seal(url.url), urlPreview: url.preview } : {}),
      },
    });
    return alertTargetView(row);
  });
}

export async function deleteAlertTarget(deps: EngineDeps, actor: Actor, input: { id: string }): Promise<void> {
  const { id } = input;
  await audited(
    deps,
    actor,
    { action: "alertTarget.delete", target: id },
    async () => {
      const row = await getAlertTargetRow(deps, id);
      await deps.db.alertTarget.delete({ where: { id } });
      return row;
    },
    (row) => ({ detail: { name: row.name } }),
  );
}

/**
 * Sends one test notice now, with the retries, and waits for the outcome (recorded on the
 * target like any delivery). A receiver's refusal is the result, not an error; the audit
 * row says whether it arrived.
 */
export async function testAlertTarget(deps: EngineDeps, actor: Actor, input: { id: string }): Promise<DeliveryResult> {
  const row = await getAlertTargetRow(deps, input.id);
  const result = await deliverToTarget(
    deps,
    row,
    { event: "schedule-failed", message: "Test alert from Berth", at: new Date() },
    { test: true, retry: false },
  );
  await recordAudit(deps.db, actor, {
    action: "alertTarget.test",
    target: row.id,
    outcome: result.delivered ? "success" : "failure",
    detail: { ...result },
  });
  return result;
}
