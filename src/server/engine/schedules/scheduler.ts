import { latestDueTime } from "~/shared/schedules";
import { systemActor } from "../actor";
import type { EngineDeps } from "../deps";
import { checkSnapshotDisk } from "../snapshots/snapshot-disk";
import { recoverInterruptedRuns, startScheduleRun } from "./schedule-run";
import { nextRunAt } from "./schedules";

// Longest sleep: schedules changed by another process (the CLI) are seen within this.
const MAX_SLEEP_MS = 5 * 60_000;

/**
 * Runs schedules at their times. Nothing is stored but each schedule's lastDueAt: at every
 * wake-up, a schedule whose next due time after lastDueAt has passed gets one run, for the
 * latest due time passed, however many were missed (a server down for a week makes up one
 * run, not a burst). Then it sleeps until the earliest next due time; croner computes the
 * times, in each schedule's time zone.
 */
export class Scheduler {
  private cancelTimer: (() => void) | undefined;
  private running = false;
  private ticking: Promise<void> | undefined;
  private again = false;
  private readonly random: () => number;

  constructor(
    private readonly deps: EngineDeps,
    options: { random?: () => number } = {},
  ) {
    this.random = options.random ?? Math.random;
  }

  private get clock() {
    return this.deps.clock;
  }

  /** At start: runs a stopped server left unfinished are marked interrupted, then due runs start. */
  async start(): Promise<void> {
    const interrupted = await recoverInterruptedRuns(this.deps);
    if (interrupted > 0) this.deps.log.warn({ runs: interrupted }, "schedule: runs cut short by a stop are marked interrupted");
    this.running = true;
    this.deps.schedules.wake = () => void this.tick();
    await this.tick();
  }

  /** No new runs start; those running finish (deps.schedules.settled() waits for them). */
  stop(): void {
    this.running = false;
    this.cancelTimer?.();
    this.deps.schedules.wake = () => {};
  }

  /** Looks for due runs now (one look at a time: a wake-up during one makes it look again). */
  tick(): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (this.ticking) {
      this.again = true;
      return this.ticking;
    }
    this.ticking = this.lookAndArm().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  /** Resolves when no look for due runs is under way (tests: the runs it started may go on). */
  async looked(): Promise<void> {
    while (this.ticking) await this.ticking;
  }

  /** Resolves when no look is under way and no run is queued or running (tests). */
  async settled(): Promise<void> {
    while (this.ticking || this.deps.schedules.busy) {
      await this.ticking;
      await this.deps.schedules.settled();
    }
  }

  private async lookAndArm(): Promise<void> {
    // At every look (at least every few minutes), runs due or not: a disk filling up is told
    // before a run fails on it. First, so a wake-up meanwhile is seen by the loop below.
    await checkSnapshotDisk(this.deps);
    let next: Date | null = null;
    try {
      do {
        this.again = false;
        next = await this.startDueRuns();
      } while (this.again);
    } catch (error) {
      this.deps.log.error({ err: error }, "schedule: checking the schedules failed; trying again later");
    }
    this.arm(next);
  }

  /** Starts every due run; returns the earliest due time of the schedules left waiting. */
  private async startDueRuns(): Promise<Date | null> {
    const now = this.clock.now();
    const schedules = await this.deps.db.schedule.findMany({ where: { enabled: true }, orderBy: { lastDueAt: "asc" } });
    let earliest: Date | null = null;
    for (const schedule of schedules) {
      // A schedule with a run in progress is looked at again when it finishes (it wakes us).
      if (this.deps.schedules.isActive(schedule.id)) continue;
      const due = latestDueTime(schedule.cron, schedule.timezone, schedule.lastDueAt, now);
      if (due) {
        const delay = Math.floor(this.random() * this.deps.scheduleJitterMs);
        const wait = () => new Promise<void>((resolve) => this.clock.setTimer(resolve, delay));
        // Not awaited: a run's random delay must not hold up the others.
        startScheduleRun(this.deps, systemActor("berth:schedule"), schedule, due, delay > 0 ? wait : undefined).catch((error: unknown) =>
          this.deps.log.error({ err: error, scheduleId: schedule.id }, "schedule: a run could not start"),
        );
        continue;
      }
      const upcoming = nextRunAt(schedule, now);
      if (upcoming && (!earliest || upcoming < earliest)) earliest = upcoming;
    }
    return earliest;
  }

  private arm(next: Date | null): void {
    this.cancelTimer?.();
    if (!this.running) return;
    const ms = next ? Math.min(Math.max(next.getTime() - this.clock.now().getTime(), 0), MAX_SLEEP_MS) : MAX_SLEEP_MS;
    this.cancelTimer = this.clock.setTimer(() => void this.tick(), ms);
  }
}
