// The scheduler on a clock the test moves: real SQLite, real snapshot files, the in-memory
// container runtime. Times are computed by croner from each schedule's stored lastDueAt, so a
// "restart" is a new Scheduler with new deps over the same database.
import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineDeps } from "~/server/create-engine-deps";
import { systemActor } from "~/server/engine/actor";
import type { EngineDeps } from "~/server/engine/deps";
import { pruneWorkload, setRetention } from "~/server/engine/retention/retention";
import type { Db } from "~/server/db";
import { startScheduleRun } from "~/server/engine/schedules/schedule-run";
import { Scheduler } from "~/server/engine/schedules/scheduler";
import { listSchedules, runScheduleNow, upsertSchedule } from "~/server/engine/schedules/schedules";
import { createSnapshot } from "~/server/engine/snapshots/capture";
import { pinSnapshot } from "~/server/engine/snapshots/snapshot-store";
import { deployWorkload, workloadLockKey } from "~/server/engine/workloads/workloads";
import { engineSettingsFromEnv } from "~/server/settings";
import { MemoryRuntime } from "../support/memory-runtime";
import { keepOnly } from "../support/retention-fixtures";
import { makeDataWorkload } from "../support/memory-workload";
import { createTestDatabase, type TestDatabase } from "../support/test-database";
import { TestClock } from "../support/test-clock";

const IMAGE = "berth-test/app:1";
const admin = systemActor("scheduler-test");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let database: TestDatabase;
let runtime: MemoryRuntime;

function newDeps(clock: TestClock, overrides: { maxConcurrentCaptures?: number; scheduleJitterMs?: number } = {}): EngineDeps {
  const settings = engineSettingsFromEnv({ BERTH_DATA_DIR: database.dataDir, BERTH_SCHEDULE_JITTER_SECONDS: "0" });
  return createEngineDeps(database.db, { ...settings, ...overrides }, { runtime, clock });
}

/** A workload with one stage volume holding a file, so there is something to capture. */
const makeWorkload = (deps: EngineDeps) => makeDataWorkload(deps, admin, { image: IMAGE, file: "file.txt", data: (id) => `data of ${id}` });

const runsOf = (workloadId: string) => database.db.scheduleRun.findMany({ where: { workloadId }, orderBy: { queuedAt: "asc" } });
const scheduledSnapshots = (workloadId: string) =>
  database.db.snapshot.findMany({ where: { workloadId, kind: "scheduled" }, orderBy: { createdAt: "asc" } });

/** The next top of an hour at least a minute from now: due times the test can step over. */
const nextHour = (from: Date) => new Date(Math.ceil((from.getTime() + MINUTE) / HOUR) * HOUR);

beforeAll(async () => {
  database = await createTestDatabase();
  runtime = new MemoryRuntime([IMAGE]);
}, 60_000);

afterAll(async () => {
  await database?.close();
});

describe("scheduler", () => {
  it("runs a schedule at its due time, not before, as a `scheduled` snapshot", async () => {
    const clock = new TestClock(Date.now());
    const deps = newDeps(clock);
    const w = await makeWorkload(deps);
    const schedule = await upsertSchedule(deps, admin, { workloadId: w.id, cron: "0 * * * *" });
    const due = nextHour(clock.now());
    expect(schedule.nextRunAt).toEqual(due);
    const scheduler = new Scheduler(deps);
    await scheduler.start();

    await clock.advanceTo(new Date(due.getTime() - 1000), () => scheduler.settled());
    expect(await runsOf(w.id)).toHaveLength(0);

    await clock.advanceTo(new Date(due.getTime() + 1000), () => scheduler.settled());
    const runs = await runsOf(w.id);
    expect(runs).toMatchObject([{ outcome: "succeeded", dueAt: due, scheduleId: schedule.id }]);
    const snapshots = await scheduledSnapshots(w.id);
    expect(snapshots.map((s) => s.id)).toEqual([runs[0]!.snapshotId]);
    expect((await database.db.schedule.findUniqueOrThrow({ where: { id: schedule.id } })).lastDueAt).toEqual(due);
    scheduler.stop();
  });

  it("makes up a week of missed runs with exactly one run after a restart, then keeps its times", async () => {
    const clock = new TestClock(Date.now());
    const before = newDeps(clock);
    const w = await makeWorkload(before);
    await upsertSchedule(before, admin, { workloadId: w.id, cron: "0 * * * *" });
    const first = new Scheduler(before);
    await first.start();
    const due = nextHour(clock.now());
    await clock.advanceTo(new Date(due.getTime() + MINUTE), () => first.settled());
    expect(await runsOf(w.id)).toHaveLength(1);
    first.stop(); // the server stops…

    // …for a week (168 due times pass), then a new process starts on the same database.
    const down = new Date(due.getTime() + 7 * 24 * HOUR + 20 * MINUTE);
    await clock.advanceTo(down, () => first.settled());
    const after = newDeps(clock);
    const second = new Scheduler(after);
    await second.start();
    await second.settled();
    const runs = await runsOf(w.id);
    expect(runs).toHaveLength(2);
    expect(runs[1]).toMatchObject({ outcome: "succeeded", dueAt: new Date(due.getTime() + 7 * 24 * HOUR) });

    // Nothing more until the next hour; then one run.
    await clock.advanceTo(new Date(down.getTime() + 30 * MINUTE), () => second.settled());
    expect(await runsOf(w.id)).toHaveLength(2);
    await clock.advanceTo(new Date(down.getTime() + 45 * MINUTE), () => second.settled());
    expect(await runsOf(w.id)).toHaveLength(3);
    second.stop();
  });

  it("marks a run cut short by a stop as interrupted and makes it up once at the next start", async () => {
    const clock = new TestClock(Date.now());
    const before = newDeps(clock);
    const w = await makeWorkload(before);
    await upsertSchedule(before, admin, { workloadId: w.id, cron: "0 * * * *" });
    const first = new Scheduler(before);
    await first.start();
    const due = nextHour(clock.now());
    // The capture waits for the workload's lock, held here: the process "dies" with the run mid-way.
    let release!: () => void;
    const held = before.locks.run(workloadLockKey(w.id), () => new Promise<void>((resolve) => (release = resolve)));
    await clock.advanceTo(new Date(due.getTime() + MINUTE), () => first.looked()); // the run never finishes
    await expect.poll(async () => (await runsOf(w.id))[0]?.startedAt ?? null).not.toBeNull();
    first.stop();

    const after = newDeps(clock);
    const second = new Scheduler(after);
    await second.start();
    await second.settled();
    const runs = await runsOf(w.id);
    expect(runs.map((r) => [r.outcome, r.dueAt])).toEqual([
      ["interrupted", due],
      ["succeeded", due],
    ]);
    expect(JSON.parse(runs[0]!.detail!)).toMatchObject({ reason: "schedule-run-interrupted" });
    release();
    await held;
    await before.schedules.settled();
  });

  it("queues runs that share a minute: one capture at a time, in the order they were due", async () => {
    const clock = new TestClock(Date.now());
    const deps = newDeps(clock, { maxConcurrentCaptures: 1 });
    const workloads = [await makeWorkload(deps), await makeWorkload(deps), await makeWorkload(deps)];
    for (const w of workloads) await upsertSchedule(deps, admin, { workloadId: w.id, cron: "0 * * * *" });
    const scheduler = new Scheduler(deps);
    await scheduler.start();
    await clock.advanceTo(new Date(nextHour(clock.now()).getTime() + MINUTE), () => scheduler.settled());

    const runs = (await Promise.all(workloads.map((w) => runsOf(w.id)))).flat();
    expect(runs.map((r) => r.outcome)).toEqual(["succeeded", "succeeded", "succeeded"]);
    const byStart = [...runs].sort((a, b) => a.startedAt!.getTime() - b.startedAt!.getTime());
    // A capture ends when its snapshot is recorded; the next one starts after that (its prune may overlap).
    const recordedAt = async (run: (typeof runs)[number]) =>
      (await database.db.snapshot.findUniqueOrThrow({ where: { id: run.snapshotId! } })).createdAt.getTime();
    for (let i = 1; i < byStart.length; i++) {
      expect(byStart[i]!.startedAt!.getTime()).toBeGreaterThanOrEqual(await recordedAt(byStart[i - 1]!));
    }
    expect(byStart.map((r) => r.id)).toEqual([...runs].sort((a, b) => a.queuedAt.getTime() - b.queuedAt.getTime()).map((r) => r.id));
    scheduler.stop();
  });

  it("starts a run after its random delay, not at the due time; one paused meanwhile does not run", async () => {
    const clock = new TestClock(Date.now());
    const deps = newDeps(clock, { scheduleJitterMs: 60_000 });
    const [w, paused] = [await makeWorkload(deps), await makeWorkload(deps)];
    const schedule = await upsertSchedule(deps, admin, { workloadId: w.id, cron: "0 * * * *" });
    const toPause = await upsertSchedule(deps, admin, { workloadId: paused.id, cron: "0 * * * *" });
    const scheduler = new Scheduler(deps, { random: () => 0.5 });
    await scheduler.start();
    const due = nextHour(clock.now());
    await clock.advanceTo(new Date(due.getTime() + 29_000), () => scheduler.looked());
    // Waiting out its delay: the schedule is busy, nothing is captured yet.
    expect((await listSchedules(deps, admin, { workloadId: w.id }))[0]).toMatchObject({ active: true });
    expect(await runsOf(w.id)).toHaveLength(0);
    await upsertSchedule(deps, admin, { id: toPause.id, workloadId: paused.id, cron: "0 * * * *", enabled: false });

    await clock.advanceTo(new Date(due.getTime() + 31_000), () => scheduler.settled());
    expect(await runsOf(w.id)).toMatchObject([{ outcome: "succeeded", dueAt: due, scheduleId: schedule.id }]);
    expect(await runsOf(paused.id)).toHaveLength(0);
    scheduler.stop();
  });

  it("starts a due time once, even when asked again after its run finished (a look that read the schedule before)", async () => {
    const clock = new TestClock(Date.now());
    const deps = newDeps(clock);
    const w = await makeWorkload(deps);
    const schedule = await upsertSchedule(deps, admin, { workloadId: w.id, cron: "0 * * * *" });
    const row = await database.db.schedule.findUniqueOrThrow({ where: { id: schedule.id } });
    const due = nextHour(clock.now());
    expect(await startScheduleRun(deps, admin, row, due)).toEqual(expect.any(String));
    await deps.schedules.settled();
    // `row` still has the lastDueAt read before the run: the due time must not run again.
    expect(await startScheduleRun(deps, admin, row, due)).toBeNull();
    await deps.schedules.settled();
    expect(await runsOf(w.id)).toHaveLength(1);
  });

  it("starts the containers a quiesced capture had stopped when the process died mid-run", async () => {
    const clock = new TestClock(Date.now());
    // The first process's runtime never gets to start the container again: it "dies" first.
    const dying: MemoryRuntime = Object.create(runtime);
    dying.start = () => new Promise(() => {});
    const before = createEngineDeps(
      database.db,
      engineSettingsFromEnv({ BERTH_DATA_DIR: database.dataDir, BERTH_SCHEDULE_JITTER_SECONDS: "0" }),
      {
        runtime: dying,
        clock,
      },
    );
    const w = await makeWorkload(before);
    await deployWorkload(newDeps(clock), admin, w.id);
    const schedule = await upsertSchedule(before, admin, { workloadId: w.id, cron: "0 3 * * *", quiesce: true });
    const ref = { name: w.containerName, workloadId: w.id };
    expect((await runtime.inspect(ref)).state).toBe("running");
    void runScheduleNow(before, admin, { id: schedule.id });
    // Stopped for the capture, never started again: the state a crash at that point leaves.
    await expect.poll(async () => (await runtime.inspect(ref)).state).toBe("exited");

    const after = newDeps(clock);
    const scheduler = new Scheduler(after);
    await scheduler.start();
    expect((await runtime.inspect(ref)).state).toBe("running");
    expect(await runsOf(w.id)).toMatchObject([{ outcome: "interrupted", quiesce: true }]);
    scheduler.stop();
  });

  it("never runs a paused schedule; an edit counts from now; run now works paused and refuses a second at once", async () => {
    const clock = new TestClock(Date.now());
    const deps = newDeps(clock);
    const w = await makeWorkload(deps);
    const schedule = await upsertSchedule(deps, admin, { workloadId: w.id, cron: "0 * * * *", enabled: false });
    expect(schedule.nextRunAt).toBeNull();
    const scheduler = new Scheduler(deps);
    await scheduler.start();
    await clock.advanceTo(new Date(clock.now().getTime() + 3 * HOUR), () => scheduler.settled());
    expect(await runsOf(w.id)).toHaveLength(0);

    // Resumed: the hours it was paused are not made up.
    await upsertSchedule(deps, admin, { id: schedule.id, workloadId: w.id, cron: "0 * * * *", enabled: true });
    await scheduler.settled();
    expect(await runsOf(w.id)).toHaveLength(0);

    let release!: () => void;
    const held = deps.locks.run(workloadLockKey(w.id), () => new Promise<void>((resolve) => (release = resolve)));
    const { runId } = await runScheduleNow(deps, admin, { id: schedule.id });
    await expect(runScheduleNow(deps, admin, { id: schedule.id })).rejects.toMatchObject({
      code: "CONFLICT",
      reason: "schedule-run-active",
    });
    expect((await listSchedules(deps, admin, { workloadId: w.id }))[0]).toMatchObject({ active: true });
    release();
    await held;
    await scheduler.settled();
    expect(await runsOf(w.id)).toMatchObject([{ id: runId, dueAt: null, outcome: "succeeded" }]);
    scheduler.stop();
  });

  it("refuses a bad expression or zone with its reason", async () => {
    const deps = newDeps(new TestClock(Date.now()));
    const w = await makeWorkload(deps);
    await expect(upsertSchedule(deps, admin, { workloadId: w.id, cron: "* * * *" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      reason: "schedule-cron-invalid",
      params: { problem: "fields" },
    });
    await expect(upsertSchedule(deps, admin, { workloadId: w.id, cron: "61 * * * *" })).rejects.toMatchObject({
      params: { problem: "pattern" },
    });
    await expect(upsertSchedule(deps, admin, { workloadId: w.id, cron: "0 3 * * *", timezone: "Mars/Olympus" })).rejects.toMatchObject({
      reason: "schedule-timezone-invalid",
      params: { timezone: "Mars/Olympus" },
    });
    expect(await database.db.schedule.count({ where: { workloadId: w.id } })).toBe(0);
  });
});

describe("retention after scheduled runs", () => {
  it("gives a first schedule the default policy, prunes after each run, keeps pins, manual ones and the newest", async () => {
    const clock = new TestClock(Date.now());
    const deps = newDeps(clock);
    const w = await makeWorkload(deps);
    const schedule = await upsertSchedule(deps, admin, { workloadId: w.id, cron: "0 * * * *" });
    expect(await database.db.retentionPolicy.findUnique({ where: { workloadId: w.id } })).toMatchObject({
      keepLast: 7,
      keepWeekly: 4,
      keepMonthly: 6,
      includeManual: false,
    });
    await setRetention(deps, admin, {
      workloadId: w.id,
      policy: keepOnly({ keepLast: 2 }),
    });
    const manual = await createSnapshot(deps, admin, { workloadId: w.id });
    const scheduler = new Scheduler(deps);
    await scheduler.start();
    let at = nextHour(clock.now());
    const created: string[] = [];
    for (let i = 0; i < 4; i++) {
      await clock.advanceTo(new Date(at.getTime() + MINUTE), () => scheduler.settled());
      const last = (await runsOf(w.id)).at(-1)!;
      created.push(last.snapshotId!);
      if (i === 0) await pinSnapshot(deps, admin, { id: last.snapshotId!, pinned: true });
      at = new Date(at.getTime() + HOUR);
    }
    const kept = (await scheduledSnapshots(w.id)).map((s) => s.id);
    // The pinned first, and the last two.
    expect(kept).toEqual([created[0], created[2], created[3]]);
    expect(await database.db.snapshot.findUnique({ where: { id: manual.id } })).not.toBeNull();
    // At the third run the pinned one is the third newest: outside keep-last 2, kept by its pin.
    expect((await runsOf(w.id)).map((r) => r.pruned)).toEqual([0, 0, 0, 1]);
    await expect(fs.stat(path.join(deps.dataDir, "snapshots", w.id, `${created[1]}.tar.gz`))).rejects.toMatchObject({ code: "ENOENT" });
    expect((await runsOf(w.id)).every((r) => r.scheduleId === schedule.id)).toBe(true);
    scheduler.stop();
  });

  it("does not prune while the workload is being restored", async () => {
    const deps = newDeps(new TestClock(Date.now()));
    const w = await makeWorkload(deps);
    await setRetention(deps, admin, {
      workloadId: w.id,
      policy: keepOnly({ keepLast: 1, includeManual: true }),
    });
    await createSnapshot(deps, admin, { workloadId: w.id });
    await createSnapshot(deps, admin, { workloadId: w.id });
    deps.restores.claim(w.id);
    expect(await pruneWorkload(deps, admin, w.id)).toEqual({ removed: [], skipped: "restore-running" });
    expect(await database.db.snapshot.count({ where: { workloadId: w.id } })).toBe(2);
    deps.restores.release(w.id);
    expect((await pruneWorkload(deps, admin, w.id)).removed).toHaveLength(1);
    expect(await database.db.snapshot.count({ where: { workloadId: w.id } })).toBe(1);
  });

  it("keeps a snapshot pinned after the policy was read, and its file", async () => {
    const clock = new TestClock(Date.now());
    const plain = newDeps(clock);
    const w = await makeWorkload(plain);
    await setRetention(plain, admin, { workloadId: w.id, policy: keepOnly({ keepLast: 1, includeManual: true }) });
    const old = await createSnapshot(plain, admin, { workloadId: w.id });
    await createSnapshot(plain, admin, { workloadId: w.id });
    // An admin pins the old snapshot just after pruning has read the workload's snapshots.
    const db = database.db.$extends({
      query: {
        snapshot: {
          async findMany({ args, query }) {
            const rows = await query(args);
            await database.db.snapshot.update({ where: { id: old.id }, data: { pinned: true } });
            return rows;
          },
        },
      },
    }) as unknown as Db;
    expect(await pruneWorkload({ ...plain, db }, admin, w.id)).toEqual({ removed: [] });
    expect(await database.db.snapshot.findUnique({ where: { id: old.id } })).toMatchObject({ pinned: true });
    await expect(fs.stat(path.join(plain.dataDir, "snapshots", w.id, `${old.id}.tar.gz`))).resolves.toBeTruthy();
  });
});
