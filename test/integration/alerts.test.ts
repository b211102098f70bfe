// Alert targets post to a real HTTP receiver on 127.0.0.1: the URL (often the secret itself)
// is sealed at rest and never returned or logged, bodies have their documented shapes, only
// subscribed enabled targets are told, and failures retry with back-off or not at all.
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAlertTargetInput } from "~/server/api/routers/alert-target/schemas";
import { createEngineDeps } from "~/server/create-engine-deps";
import { databaseUrl } from "~/server/database-url";
import { db } from "~/server/db";
import { AlertDeliveries } from "~/server/engine/alerts/alert-deliveries";
import type { AlertNotice } from "~/server/engine/alerts/alert-notice";
import {
  createAlertTarget,
  deleteAlertTarget,
  listAlertTargets,
  testAlertTarget,
  updateAlertTarget,
} from "~/server/engine/alerts/alert-targets";
import { deliverToTarget } from "~/server/engine/alerts/deliver";
import { notifyAlert } from "~/server/engine/alerts/notify";
import type { EngineDeps, EngineLogger } from "~/server/engine/deps";
import { createSecretBox } from "~/server/engine/secret-box";
import { engineSettingsFromEnv } from "~/server/settings";
import { decodeReason } from "~/shared/encoded-reason";
import { testActor } from "../support/workload-fixtures";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver";

const logged: { level: string; detail: object; message: string }[] = [];
const log: EngineLogger = {
  info: (detail, message) => logged.push({ level: "info", detail, message }),
  warn: (detail, message) => logged.push({ level: "warn", detail, message }),
  error: (detail, message) => logged.push({ level: "error", detail, message }),
};
const RETRY_DELAYS = [60, 240];
const deps: EngineDeps = createEngineDeps(db, engineSettingsFromEnv(), {
  alerts: new AlertDeliveries({ retryDelaysMs: RETRY_DELAYS, timeoutMs: 2000 }),
  log,
});
const dbFile = databaseUrl().replace(/^file:/, "");

/** Every byte SQLite has on disk for this database, side files included. */
async function rawDatabase(): Promise<string> {
  await db.$executeRawUnsafe("PRAGMA wal_checkpoint(TRUNCATE)").catch(() => undefined);
  const parts = await Promise.all(["", "-wal", "-journal"].map((s) => fs.readFile(dbFile + s).catch(() => Buffer.alloc(0))));
  return Buffer.concat(parts).toString("latin1");
}
const secretToken = () => `tok${randomBytes(12).toString("hex")}`;
const storedRow = (id: string) => db.alertTarget.findUniqueOrThrow({ where: { id } });
const lastFailure = async (id: string) => decodeReason((await storedRow(id)).lastDetail ?? "");
const auditRows = (target: string) => db.auditEvent.findMany({ where: { target }, orderBy: { at: "asc" } });

const failedRun: AlertNotice = {
  event: "schedule-failed",
  workload: { id: "w1", name: "shop-db" },
  message: "Scheduled snapshot failed: the disk holding the snapshots is full",
  reason: "snapshot-disk-full",
  params: {},
  snapshotId: undefined,
  runId: "run-1",
  at: new Date("2026-12-02T03:04:05.000Z"),
};

let receiver: WebhookReceiver;
let elsewhere: WebhookReceiver;
beforeAll(async () => {
  [receiver, elsewhere] = await Promise.all([startWebhookReceiver(), startWebhookReceiver()]);
});
afterEach(async () => {
  await deps.alerts.settled();
  // Each test's targets only: a later notice must not be delivered to them.
  await db.alertTarget.deleteMany();
  receiver.requests.length = 0;
  elsewhere.requests.length = 0;
  logged.length = 0;
});
afterAll(async () => {
  await Promise.all([receiver.close(), elsewhere.close()]);
});

async function target(input: Partial<Parameters<typeof createAlertTarget>[2]> & { path?: string } = {}) {
  const { path = `/hook/${secretToken()}`, ...rest } = input;
  return createAlertTarget(deps, testActor, {
    name: "ops",
    format: "json",
    url: receiver.origin + path,
    events: ["schedule-failed"],
    ...rest,
  });
}

describe("alert targets at rest", () => {
  it("seals the URL: the database file, the list, the audit rows and the log never hold it in clear", async () => {
    const token = secretToken();
    const password = secretToken();
    const created = await createAlertTarget(deps, testActor, {
      name: "  chat  ",
      format: "slack",
      url: `http://hooks:${password}@127.0.0.1:${new URL(receiver.origin).port}/services/${token}?key=${token}`,
      events: ["schedule-failed", "disk-low"],
    });
    expect(created).toMatchObject({
      name: "chat",
      format: "slack",
      urlPreview: receiver.origin,
      events: ["schedule-failed", "disk-low"],
      enabled: true,
      lastDeliveryAt: null,
      lastOutcome: null,
    });

    const row = await storedRow(created.id);
    expect(row.urlSealed).toMatch(/^v1:[0-9a-f]{16}:/);
    expect(row.urlSealed).not.toContain(token);
    const raw = await rawDatabase();
    expect(raw).toContain(receiver.origin); // the check can see row text at all
    expect(raw).not.toContain(token);
    expect(raw).not.toContain(password);
    const listed = JSON.stringify(await listAlertTargets(deps, testActor));
    expect(listed).toContain(created.id);
    expect(listed).not.toMatch(new RegExp(`${token}|${password}|v1:|hooks`));

    // The credentials in the URL are sent as Basic auth, the path and query as given.
    expect(await testAlertTarget(deps, testActor, { id: created.id })).toEqual({ delivered: true, status: 200 });
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.path).toBe(`/services/${token}?key=${token}`);
    expect(receiver.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from(`hooks:${password}`).toString("base64")}`);

    const audits = JSON.stringify(await auditRows(created.id));
    expect(audits).toMatch(/alertTarget\.create.*alertTarget\.test/s);
    expect(audits).not.toMatch(new RegExp(`${token}|${password}`));
    expect(JSON.stringify(logged)).not.toMatch(new RegExp(`${token}|${password}`));
  });

  it("refuses URLs that are not http(s) with a host, and records the refusal", async () => {
    for (const url of ["ftp://example.com/x", "file:///etc/passwd", "javascript:alert(1)", "not a url", "http://"]) {
      await expect(createAlertTarget(deps, testActor, { name: "bad", format: "json", url, events: ["disk-low"] })).rejects.toMatchObject({
        code: "BAD_REQUEST",
        reason: "alert-url-invalid",
      });
    }
    expect(await db.alertTarget.count()).toBe(0);
    const refusals = await db.auditEvent.findMany({ where: { action: "alertTarget.create", target: "bad" } });
    expect(refusals.length).toBeGreaterThanOrEqual(5);
    expect(refusals.every((r) => r.outcome === "failure")).toBe(true);

    const t = await target();
    await expect(updateAlertTarget(deps, testActor, { id: t.id, url: "gopher://x" })).rejects.toMatchObject({
      reason: "alert-url-invalid",
    });
    expect((await storedRow(t.id)).urlPreview).toBe(receiver.origin);
  });

  it("updates what is given and keeps the URL when it is omitted; deletes; audits each change", async () => {
    const t = await target({ path: "/first" });
    const renamed = await updateAlertTarget(deps, testActor, {
      id: t.id,
      name: "renamed",
      events: ["disk-low", "disk-low"],
      enabled: false,
    });
    expect(renamed).toMatchObject({ name: "renamed", events: ["disk-low"], enabled: false, urlPreview: receiver.origin });
    await testAlertTarget(deps, testActor, { id: t.id });
    expect(receiver.requests.map((r) => r.path)).toEqual(["/first"]);

    await updateAlertTarget(deps, testActor, { id: t.id, url: `${elsewhere.origin}/second` });
    expect((await listAlertTargets(deps, testActor))[0]!.urlPreview).toBe(elsewhere.origin);
    await testAlertTarget(deps, testActor, { id: t.id });
    expect(elsewhere.requests.map((r) => r.path)).toEqual(["/second"]);

    await deleteAlertTarget(deps, testActor, { id: t.id });
    expect(await listAlertTargets(deps, testActor)).toEqual([]);
    await expect(deleteAlertTarget(deps, testActor, { id: t.id })).rejects.toMatchObject({
      code: "NOT_FOUND",
      reason: "not-found",
      params: { entity: "alertTarget" },
    });
    await expect(testAlertTarget(deps, testActor, { id: t.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const actions = (await auditRows(t.id)).map((r) => `${r.action}:${r.outcome}`);
    expect(actions).toEqual([
      "alertTarget.create:success",
      "alertTarget.update:success",
      "alertTarget.test:success",
      "alertTarget.update:success",
      "alertTarget.test:success",
      "alertTarget.delete:success",
      "alertTarget.delete:failure",
    ]);
  });

  it("validates procedure input: name trimmed 1–80, known events listed once, a known format", () => {
    const valid = { name: " ops ", format: "json", url: "https://example.com/x", events: ["disk-low"] };
    expect(createAlertTargetInput.parse(valid).name).toBe("ops");
    for (const bad of [
      { ...valid, name: "   " },
      { ...valid, name: "x".repeat(81) },
      { ...valid, events: [] },
      { ...valid, events: ["disk-low", "disk-low"] },
      { ...valid, events: ["coffee-ready"] },
      { ...valid, format: "xml" },
      { ...valid, url: `https://example.com/${"a".repeat(2000)}` },
    ]) {
      expect(createAlertTargetInput.safeParse(bad).success).toBe(false);
    }
  });
});

describe("alert bodies and who gets them", () => {
  it("posts Berth's JSON body with its headers", async () => {
    const t = await target({ path: "/json" });
    notifyAlert(deps, failedRun);
    await deps.alerts.settled();
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request!.method).toBe("POST");
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(request!.headers["user-agent"]).toBe("berth");
    expect(JSON.parse(request!.body)).toEqual({
      source: "berth",
      event: "schedule-failed",
      severity: "error",
      at: "2026-12-02T03:04:05.000Z",
      message: failedRun.message,
      workload: { id: "w1", name: "shop-db" },
      reason: "snapshot-disk-full",
      params: {},
      snapshotId: null,
      runId: "run-1",
    });
    expect(await listAlertTargets(deps, testActor)).toEqual([
      expect.objectContaining({ id: t.id, lastOutcome: "delivered", lastDeliveryAt: expect.any(Date) }),
    ]);
  });

  it("posts one line of text for Slack-compatible receivers, markup escaped", async () => {
    await target({ format: "slack", events: ["disk-low"] });
    notifyAlert(deps, { event: "disk-low", message: "Snapshot disk <80%> free & falling\nsoon full", at: new Date() });
    notifyAlert(deps, { ...failedRun, event: "schedule-failed" }); // not subscribed
    await deps.alerts.settled();
    expect(receiver.requests.map((r) => JSON.parse(r.body))).toEqual([
      { text: "Berth: Snapshot disk &lt;80%&gt; free &amp; falling soon full" },
    ]);
  });

  it("names the workload in the Slack line", async () => {
    await target({ format: "slack" });
    notifyAlert(deps, failedRun);
    await deps.alerts.settled();
    expect(JSON.parse(receiver.requests[0]!.body)).toEqual({ text: `Berth: shop-db: ${failedRun.message}` });
  });

  it("tells only enabled targets subscribed to the event", async () => {
    const subscribed = await target({ path: "/subscribed", events: ["schedule-failed", "disk-low"] });
    const other = await target({ path: "/other", events: ["disk-low"] });
    const disabled = await target({ path: "/disabled", events: ["schedule-failed"], enabled: false });
    notifyAlert(deps, failedRun);
    await deps.alerts.settled();
    expect(receiver.requests.map((r) => r.path)).toEqual(["/subscribed"]);
    expect((await storedRow(subscribed.id)).lastOutcome).toBe("delivered");
    expect((await storedRow(other.id)).lastDeliveryAt).toBeNull();
    expect((await storedRow(disabled.id)).lastDeliveryAt).toBeNull();

    // Enabled again, the disabled one is told as well.
    await updateAlertTarget(deps, testActor, { id: disabled.id, enabled: true });
    notifyAlert(deps, failedRun);
    await deps.alerts.settled();
    expect(receiver.requests.map((r) => r.path).sort()).toEqual(["/disabled", "/subscribed", "/subscribed"]);
  });

  it("delivers in the background, and a failure to load targets is logged, never thrown", async () => {
    // Long enough for the row to be read back while the receiver holds the request, on a loaded machine.
    const slow = { ...deps, alerts: new AlertDeliveries({ retryDelaysMs: [], timeoutMs: 3000 }) };
    const t = await target({ path: "/slow" });
    receiver.answer("hang");
    notifyAlert(slow, failedRun);
    while (receiver.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    // The receiver holds the request, and the caller has long gone on.
    expect((await storedRow(t.id)).lastDeliveryAt).toBeNull();
    await slow.alerts.settled();
    expect(await lastFailure(t.id)).toMatchObject({ reason: "alert-delivery-timeout" });

    const broken = {
      ...deps,
      db: { alertTarget: { findMany: () => Promise.reject(new Error("database is gone")) } },
    } as unknown as EngineDeps;
    expect(() => notifyAlert(broken, failedRun)).not.toThrow();
    await broken.alerts.settled();
    expect(logged.at(-1)).toMatchObject({ level: "error", message: "alert delivery failed", detail: { event: "schedule-failed" } });
  });
});

describe("delivery failures", () => {
  it("retries after 5xx answers with the configured back-off, in order, then delivers", async () => {
    const t = await target();
    receiver.answer({ status: 500 }, { status: 503 });
    notifyAlert(deps, failedRun);
    await deps.alerts.settled();
    const at = receiver.requests.map((r) => r.at);
    expect(at).toHaveLength(3);
    // Each wait is at least its configured delay (a timer may fire up to 1 ms early on rounding).
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(RETRY_DELAYS[0]! - 1);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(RETRY_DELAYS[1]! - 1);
    expect(new Set(receiver.requests.map((r) => r.body)).size).toBe(1);
    const row = await storedRow(t.id);
    expect(row).toMatchObject({ lastOutcome: "delivered", lastDetail: null });
    expect(logged.filter((l) => l.message === "alert delivery attempt failed").map((l) => l.detail)).toEqual([
      expect.objectContaining({ alertTargetId: t.id, urlPreview: receiver.origin, attempt: 1, status: 500, retrying: true }),
      expect.objectContaining({ alertTargetId: t.id, attempt: 2, status: 503, retrying: true }),
    ]);
  });

  it("gives up after the last retry and records the last status", async () => {
    const t = await target();
    receiver.answer({ status: 500 }, { status: 502 }, { status: 500 });
    notifyAlert(deps, failedRun);
    await deps.alerts.settled();
    expect(receiver.requests).toHaveLength(1 + RETRY_DELAYS.length);
    expect((await storedRow(t.id)).lastOutcome).toBe("failed");
    expect(await lastFailure(t.id)).toMatchObject({ reason: "alert-delivery-failed", params: { status: 500 } });
    expect(await listAlertTargets(deps, testActor)).toEqual([
      expect.objectContaining({ lastOutcome: "failed", lastReason: "alert-delivery-failed", lastParams: { status: 500 } }),
    ]);
  });

  it("does not retry a 404, but does retry 429", async () => {
    const t = await target();
    receiver.answer({ status: 404 });
    notifyAlert(deps, failedRun);
    await deps.alerts.settled();
    expect(receiver.requests).toHaveLength(1);
    expect(await lastFailure(t.id)).toMatchObject({ reason: "alert-delivery-failed", params: { status: 404 } });

    receiver.answer({ status: 429 });
    notifyAlert(deps, failedRun);
    await deps.alerts.settled();
    expect(receiver.requests).toHaveLength(3);
    expect((await storedRow(t.id)).lastOutcome).toBe("delivered");
  });

  it("never follows a redirect", async () => {
    const t = await target();
    receiver.answer({ status: 307, location: `${elsewhere.origin}/stolen` });
    const result = await testAlertTarget(deps, testActor, { id: t.id });
    expect(result).toEqual({ delivered: false, status: 307, reason: "alert-delivery-redirected", params: { status: 307 } });
    expect(receiver.requests).toHaveLength(1);
    expect(elsewhere.requests).toHaveLength(0);
    const [audit] = await db.auditEvent.findMany({ where: { target: t.id, action: "alertTarget.test" } });
    expect(audit).toMatchObject({ outcome: "failure" });
    expect(JSON.parse(audit!.detail!)).toMatchObject({ delivered: false, reason: "alert-delivery-redirected" });
  });

  it("times out a receiver that does not answer, and retries it", async () => {
    const quick = { ...deps, alerts: new AlertDeliveries({ retryDelaysMs: [20], timeoutMs: 300 }) };
    const t = await target();
    receiver.answer("hang", "hang");
    const result = await deliverToTarget(quick, await storedRow(t.id), failedRun);
    expect(result).toEqual({ delivered: false, reason: "alert-delivery-timeout", params: { seconds: 1 } });
    expect(receiver.requests).toHaveLength(2);
    expect(await lastFailure(t.id)).toMatchObject({ reason: "alert-delivery-timeout" });
  });

  it("reports an unreachable receiver", async () => {
    const gone = await startWebhookReceiver();
    await gone.close();
    const t = await createAlertTarget(deps, testActor, { name: "gone", format: "json", url: `${gone.origin}/x`, events: ["disk-low"] });
    const attempts = () => logged.filter((l) => l.message === "alert delivery attempt failed").length;
    const before = attempts();
    // An alert is retried; "Send test" answers the admin after one attempt.
    expect(await deliverToTarget(deps, await storedRow(t.id), failedRun)).toEqual({
      delivered: false,
      reason: "alert-delivery-unreachable",
    });
    expect(attempts() - before).toBe(1 + RETRY_DELAYS.length);
    expect(logged.at(-1)!.detail).toMatchObject({ code: "ECONNREFUSED" });
    expect(await testAlertTarget(deps, testActor, { id: t.id })).toEqual({ delivered: false, reason: "alert-delivery-unreachable" });
    expect(attempts() - before).toBe(2 + RETRY_DELAYS.length);
  });

  it("fails a delivery whose URL another secret key sealed, sending nothing", async () => {
    const t = await target();
    const otherKey = { ...deps, secrets: createSecretBox(randomBytes(32)) };
    expect(await testAlertTarget(otherKey, testActor, { id: t.id })).toEqual({
      delivered: false,
      reason: "secret-other-key",
      params: {},
    });
    expect(receiver.requests).toHaveLength(0);
    expect(await lastFailure(t.id)).toMatchObject({ reason: "secret-other-key" });
  });
});

describe("send test", () => {
  it("sends a test notice and records the delivery", async () => {
    const t = await target({ path: "/test" });
    const result = await testAlertTarget(deps, testActor, { id: t.id });
    expect(result).toEqual({ delivered: true, status: 200 });
    const body = JSON.parse(receiver.requests[0]!.body);
    expect(body).toMatchObject({
      source: "berth",
      event: "schedule-failed",
      severity: "error",
      message: "Test alert from Berth",
      workload: null,
      test: true,
    });
    expect(Date.parse(body.at)).not.toBeNaN();
    expect(await storedRow(t.id)).toMatchObject({ lastOutcome: "delivered", lastDeliveryAt: expect.any(Date) });
    const [audit] = await db.auditEvent.findMany({ where: { target: t.id, action: "alertTarget.test" } });
    expect(audit).toMatchObject({ outcome: "success", actor: testActor.label });
  });
});
