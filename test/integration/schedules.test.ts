// Schedules, retention, the dashboard and alert targets through the API and on the real engine:
// who may call what, a quiesced scheduled capture of a running container, the dashboard's view
// of a workload from "no snapshot" to "ok", and a failed run told to a real webhook receiver.
import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDockerClient } from "~/server/docker/client";
import { engineDeps } from "~/server/engine-deps";
import { createAlertTarget } from "~/server/engine/alerts/alert-targets";
import { dashboardOverview } from "~/server/engine/dashboard";
import { runScheduleNow, upsertSchedule } from "~/server/engine/schedules/schedules";
import { createSnapshot } from "~/server/engine/snapshots/capture";
import { checkSnapshotDisk } from "~/server/engine/snapshots/snapshot-disk";
import { createEngineDeps } from "~/server/create-engine-deps";
import { engineSettingsFromEnv } from "~/server/settings";
import { deployWorkload } from "~/server/engine/workloads/workloads";
import { inject } from "vitest";
import { removeWorkloadContainersAfterAll } from "../support/container-cleanup";
import { keepOnly } from "../support/retention-fixtures";
import { createIdentities } from "../support/identities";
import { allProcedurePaths, CONTAINER_STATS_PROCEDURES, type MatrixEntry, runRoleMatrix } from "../support/role-matrix";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver";
import { longRunning, makeWorkload, testActor } from "../support/workload-fixtures";

const docker = createDockerClient(inject("dockerHost"));
const volumePath = (project: string, source: string) =>
  path.join(engineDeps.dataDir, "volumes/projects", project, "stages/production", source);

removeWorkloadContainersAfterAll();
let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await engineDeps.schedules.settled();
  await engineDeps.alerts.settled();
  await receiver.close();
});

async function withData(name = `w${Math.random().toString(36).slice(2, 8)}`) {
  const w = await makeWorkload({ name, volumes: [{ target: "/d", scope: "stage", source: "d" }], command: longRunning("true") });
  await fs.mkdir(volumePath(w.projectSlug, "d"), { recursive: true });
  await fs.writeFile(path.join(volumePath(w.projectSlug, "d"), "f.txt"), name);
  return w;
}

const policy = keepOnly({ keepLast: 1, includeManual: true });

describe("roles", () => {
  it("lets viewers read schedules, retention and the dashboard, and only admins change them or see alert targets", async () => {
    const ids = await createIdentities(engineDeps);
    const scheduled = async () => {
      const w = await withData();
      return { w, schedule: await upsertSchedule(engineDeps, testActor, { workloadId: w.id, cron: "0 3 * * *", enabled: false }) };
    };
    const target = () =>
      createAlertTarget(engineDeps, testActor, { name: "t", format: "json", url: `${receiver.origin}/m`, events: ["schedule-failed"] });
    const entries: Record<string, MatrixEntry> = {
      "schedule.list": { role: "VIEWER", input: () => ({}) },
      "schedule.runs": { role: "VIEWER", input: async () => ({ workloadId: (await withData()).id }) },
      "schedule.upsert": { role: "ADMIN", input: async () => ({ workloadId: (await withData()).id, cron: "0 3 * * *", enabled: false }) },
      "schedule.delete": { role: "ADMIN", input: async () => ({ id: (await scheduled()).schedule.id }) },
      "schedule.runNow": { role: "ADMIN", input: async () => ({ id: (await scheduled()).schedule.id }) },
      "retention.get": { role: "VIEWER", input: async () => ({ workloadId: (await withData()).id }) },
      "retention.set": { role: "ADMIN", input: async () => ({ workloadId: (await withData()).id, policy }) },
      "retention.preview": { role: "ADMIN", input: async () => ({ workloadId: (await withData()).id, policy }) },
      "retention.prune": { role: "ADMIN", input: async () => ({ workloadId: (await scheduled()).w.id }) },
      "dashboard.overview": { role: "VIEWER", input: () => undefined },
      "alertTarget.list": { role: "ADMIN", input: () => undefined },
      "alertTarget.create": {
        role: "ADMIN",
        input: () => ({ name: "m", format: "slack", url: `${receiver.origin}/c`, events: ["schedule-failed"] }),
      },
      "alertTarget.update": { role: "ADMIN", input: async () => ({ id: (await target()).id, enabled: false }) },
      "alertTarget.delete": { role: "ADMIN", input: async () => ({ id: (await target()).id }) },
      "alertTarget.test": { role: "ADMIN", input: async () => ({ id: (await target()).id }) },
    };
    const covered = allProcedurePaths().filter(
      (p) => /^(schedule|retention|dashboard|alertTarget)\./.test(p) && !CONTAINER_STATS_PROCEDURES.includes(p),
    );
    expect(Object.keys(entries).sort()).toEqual(covered);
    const outcomes = await runRoleMatrix(entries, ids.headers);
    for (const [p, byIdentity] of Object.entries(outcomes)) expect(byIdentity.admin.ok, p).toBe(true);
    await engineDeps.schedules.settled();
  });
});

describe("scheduled runs on the real engine", () => {
  it("captures a running container quiesced (stopped, then started again) as a scheduled snapshot; the dashboard turns ok", async () => {
    const w = await withData();
    await deployWorkload(engineDeps, testActor, w.id);
    const before = (await dashboardOverview(engineDeps, testActor)).workloads.find((x) => x.id === w.id)!;
    expect(before).toMatchObject({ safety: "none", lastGood: null, snapshots: 0 });

    const schedule = await upsertSchedule(engineDeps, testActor, { workloadId: w.id, cron: "0 3 * * *", quiesce: true });
    const startedBefore = (await docker.getContainer(w.containerName).inspect()).State.StartedAt;
    const { runId } = await runScheduleNow(engineDeps, testActor, { id: schedule.id });
    await engineDeps.schedules.settled();

    const run = await engineDeps.db.scheduleRun.findUniqueOrThrow({ where: { id: runId } });
    expect(run).toMatchObject({ outcome: "succeeded", scheduleId: schedule.id });
    const snapshot = await engineDeps.db.snapshot.findUniqueOrThrow({ where: { id: run.snapshotId! } });
    expect(snapshot).toMatchObject({ kind: "scheduled", capturedLive: false });
    const state = (await docker.getContainer(w.containerName).inspect()).State;
    expect(state.Running).toBe(true);
    expect(state.StartedAt).not.toBe(startedBefore); // it was stopped for the capture and started again

    const after = (await dashboardOverview(engineDeps, testActor)).workloads.find((x) => x.id === w.id)!;
    expect(after).toMatchObject({ safety: "ok", lastGood: { id: snapshot.id, kind: "scheduled" }, snapshots: 1 });
    expect(after.snapshotBytes).toBe(Number(snapshot.size));
    expect(after.lastRun).toMatchObject({ id: runId, outcome: "succeeded" });
  });

  it("records a failed run, tells the webhook, and lists it among the dashboard's recent failures", async () => {
    const w = await withData();
    const hookUrl = `${receiver.origin}/fail/${Math.random().toString(36).slice(2)}`;
    await createAlertTarget(engineDeps, testActor, { name: "fail", format: "json", url: hookUrl, events: ["schedule-failed"] });
    const schedule = await upsertSchedule(engineDeps, testActor, { workloadId: w.id, cron: "0 3 * * *" });
    // The folder is gone: nothing to capture, the run fails with that reason.
    await fs.rm(volumePath(w.projectSlug, "d"), { recursive: true });
    const { runId } = await runScheduleNow(engineDeps, testActor, { id: schedule.id });
    await engineDeps.schedules.settled();
    await engineDeps.alerts.settled();

    const run = await engineDeps.db.scheduleRun.findUniqueOrThrow({ where: { id: runId } });
    expect(run.outcome).toBe("failed");
    const reason = (JSON.parse(run.detail!) as { reason: string }).reason;
    const hits = receiver.requests.filter((r) => hookUrl.endsWith(r.path));
    expect(hits).toHaveLength(1);
    expect(JSON.parse(hits[0]!.body)).toMatchObject({ event: "schedule-failed", workload: { id: w.id }, runId, reason });

    const overview = await dashboardOverview(engineDeps, testActor);
    expect(overview.recentFailures).toContainEqual(expect.objectContaining({ kind: "schedule", runId, workloadId: w.id, reason }));
    expect(overview.workloads.find((x) => x.id === w.id)).toMatchObject({ safety: "none", lastRun: { outcome: "failed" } });
    expect(overview.disk?.totalBytes).toBeGreaterThan(0);
  });

  it("marks a workload stale once a due time passes without a newer snapshot", async () => {
    const w = await withData();
    const snapshot = await createSnapshot(engineDeps, testActor, { workloadId: w.id });
    await upsertSchedule(engineDeps, testActor, { workloadId: w.id, cron: "* * * * *" });
    const at = (minutes: number) => ({ ...engineDeps, clock: { ...engineDeps.clock, now: () => new Date(Date.now() + minutes * 60_000) } });
    // Within the grace after a due time the run may still be on its way; past it, the snapshot is overdue.
    expect((await dashboardOverview(at(5), testActor)).workloads.find((x) => x.id === w.id)).toMatchObject({ safety: "ok" });
    const later = (await dashboardOverview(at(20), testActor)).workloads.find((x) => x.id === w.id)!;
    expect(later.safety).toBe("stale");
    expect(later.missedDueAt!.getTime()).toBeGreaterThan(snapshot.createdAt.getTime());
  });

  it("does not call a workload stale for due times before its schedule was set", async () => {
    const w = await withData();
    await createSnapshot(engineDeps, testActor, { workloadId: w.id });
    const at = (minutes: number) => ({ ...engineDeps, clock: { ...engineDeps.clock, now: () => new Date(Date.now() + minutes * 60_000) } });
    // Two days later an hourly schedule is added: the 47 hours it did not exist for are no missed runs.
    await upsertSchedule(at(48 * 60), testActor, { workloadId: w.id, cron: "0 * * * *" });
    const row = (await dashboardOverview(at(48 * 60 + 10), testActor)).workloads.find((x) => x.id === w.id)!;
    expect(row).toMatchObject({ safety: "ok", missedDueAt: null });
  });
});

describe("disk alerts", () => {
  it("tells the targets once when the snapshot disk becomes nearly full, and again only after it recovered", async () => {
    const hookUrl = `${receiver.origin}/disk/${Math.random().toString(36).slice(2)}`;
    await createAlertTarget(engineDeps, testActor, { name: "disk", format: "slack", url: hookUrl, events: ["disk-low"] });
    const settings = engineSettingsFromEnv();
    // The same disk, judged by two thresholds: everything is "nearly full" below 100 % free, nothing below 0 %.
    const full = createEngineDeps(engineDeps.db, { ...settings, diskLowPercent: 100 });
    const fine = { ...full, diskLowPercent: 0 };
    const hits = () => receiver.requests.filter((r) => hookUrl.endsWith(r.path));

    await checkSnapshotDisk(full);
    await checkSnapshotDisk(full);
    await full.alerts.settled();
    expect(hits()).toHaveLength(1);
    expect(JSON.parse(hits()[0]!.body).text).toMatch(/^Berth: The snapshot disk is nearly full: [\d.]+% free$/);

    await checkSnapshotDisk(fine);
    await checkSnapshotDisk(full);
    await full.alerts.settled();
    expect(hits()).toHaveLength(2);
  });
});
