// Schedules in real time on the real server: a per-minute schedule whose server is down across
// two of its minutes makes up exactly one run when it starts again, then runs at the next minute
// on time; a success notice reaches a real webhook receiver.
import { afterAll, expect, inject, it } from "vitest";
import { type AppServer, startAppServer } from "../support/app-server";
import { createApiToken, createDataWorkload, trpcHttp } from "../support/trpc-http";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver";

interface Run {
  id: string;
  queuedAt: string;
  dueAt: string | null;
  startedAt: string | null;
  outcome: string | null;
  snapshotId: string | null;
}

const MINUTE = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const minuteOf = (at: number) => Math.floor(at / MINUTE) * MINUTE;

let app: AppServer | undefined;
let receiver: WebhookReceiver | undefined;
afterAll(async () => {
  await app?.stop();
  await receiver?.close();
});

it("makes up one run for the minutes it was down, then runs each minute on time", async () => {
  const env = { BERTH_SCHEDULE_JITTER_SECONDS: "0" };
  receiver = await startWebhookReceiver();
  app = await startAppServer(env);
  const dataDir = app.dataDir;
  let api = trpcHttp(app.url, createApiToken(dataDir, "admin"));
  const workloadId = await createDataWorkload(api.mutate, { project: "sched", name: "app", source: "data", image: inject("testImage") });
  await api.mutate("workload.deploy", { id: workloadId });
  await api.mutate("alertTarget.create", {
    name: "receiver",
    format: "json",
    url: `${receiver.origin}/hook/secret-token`,
    events: ["schedule-succeeded", "schedule-failed"],
  });
  const schedule = await api.mutate<{ id: string; nextRunAt: string }>("schedule.upsert", { workloadId, cron: "* * * * *" });
  expect(new Date(schedule.nextRunAt).getTime() % MINUTE).toBe(0);

  // Down across two due minutes (at least), before the first run.
  await app.stop({ keepData: true });
  app = undefined;
  const stoppedAt = Date.now();
  const lastMissed = minuteOf(stoppedAt) + 2 * MINUTE;
  await sleep(lastMissed - Date.now() + 2_000);
  const startingAt = Date.now();
  app = await startAppServer(env, { dataDir });
  const restartedAt = Date.now();
  api = trpcHttp(app.url, createApiToken(dataDir, "admin", "e2e-admin-2"));
  const runs = () => api.query<Run[]>("schedule.runs", { workloadId });

  // One catch-up run, for the latest minute missed before the start; not one per minute missed.
  await expect
    .poll(async () => (await runs()).filter((r) => r.outcome === "succeeded").length, { timeout: 60_000 })
    .toBeGreaterThanOrEqual(1);
  // (Runs the first server may have queued before it stopped are not the second server's.)
  const missed = (await runs()).filter((r) => Date.parse(r.queuedAt) >= startingAt && Date.parse(r.dueAt ?? "") < startingAt);
  expect(missed).toHaveLength(1);
  expect(Date.parse(missed[0]!.dueAt!)).toBe(minuteOf(startingAt));
  expect(Date.parse(missed[0]!.dueAt!)).toBeGreaterThanOrEqual(lastMissed);

  // Then in real time: the next minute's run starts at its minute.
  const nextDue = minuteOf(Math.max(restartedAt, Date.parse(missed[0]!.queuedAt))) + MINUTE;
  await expect
    .poll(async () => (await runs()).find((r) => r.dueAt !== null && Date.parse(r.dueAt) === nextDue)?.outcome, { timeout: 120_000 })
    .toBe("succeeded");
  const onTime = (await runs()).find((r) => Date.parse(r.dueAt ?? "") === nextDue)!;
  // Started at its minute, not before, and within it (the next one would be a run of its own).
  expect(Date.parse(onTime.startedAt!) - nextDue).toBeGreaterThanOrEqual(0);
  expect(Date.parse(onTime.startedAt!) - nextDue).toBeLessThan(MINUTE);
  const all = await runs();
  expect(new Set(all.map((r) => r.dueAt)).size).toBe(all.length); // no due time ran twice

  const snapshot = await api.query<{ kind: string }>("snapshot.get", { id: onTime.snapshotId });
  expect(snapshot.kind).toBe("scheduled");
  await expect.poll(() => receiver!.requests.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
  const bodies = receiver.requests.map((r) => JSON.parse(r.body) as { event: string; workload: { id: string } });
  expect(bodies.every((b) => b.event === "schedule-succeeded" && b.workload.id === workloadId)).toBe(true);
  expect(receiver.requests[0]!.path).toBe("/hook/secret-token");
});
