import { conflict } from "../errors";

/**
 * The per-process state of scheduled runs: which schedules have a run queued or running (one
 * at a time each, so a slow capture never piles up runs), the capture slots they share
 * (BERTH_MAX_CONCURRENT_CAPTURES, handed out first come, first served), and the scheduler's
 * wake-up, which a schedule's change calls so the next run is computed from it at once.
 */
export class ScheduleTasks {
  private readonly runs = new Map<string, Promise<void>>();
  private readonly startedDue = new Map<string, number>();
  private readonly waiting: (() => void)[] = [];
  private slotsTaken = 0;
  /** set by the running scheduler; a no-op where none runs (CLI) */
  wake: () => void = () => {};

  constructor(readonly maxConcurrentCaptures: number) {}

  /** some schedule has a run queued or running */
  get busy(): boolean {
    return this.runs.size > 0;
  }

  isActive(scheduleId: string): boolean {
    return this.runs.has(scheduleId);
  }

  /**
   * Starts `run` for the schedule unless one is queued or running already (then CONFLICT).
   * A due time is started once: a look at the schedules that read them before its run
   * finished must not start it again (returns false then).
   */
  start(scheduleId: string, dueAt: Date | null, run: () => Promise<void>): boolean {
    if (this.runs.has(scheduleId)) throw conflict("This schedule's run is already queued or running", { reason: "schedule-run-active" });
    if (dueAt) {
      if (dueAt.getTime() <= (this.startedDue.get(scheduleId) ?? Number.NEGATIVE_INFINITY)) return false;
      this.startedDue.set(scheduleId, dueAt.getTime());
    }
    const done = run().finally(() => this.runs.delete(scheduleId));
    this.runs.set(scheduleId, done);
    return true;
  }

  /** Runs `work` in a capture slot, after every caller that asked before it. */
  async inCaptureSlot<T>(work: () => Promise<T>): Promise<T> {
    if (this.slotsTaken >= this.maxConcurrentCaptures || this.waiting.length > 0) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.slotsTaken += 1;
    }
    try {
      return await work();
    } finally {
      // The slot passes straight to the next in line, so nobody can overtake it.
      const next = this.waiting.shift();
      if (next) next();
      else this.slotsTaken -= 1;
    }
  }

  /** Resolves when every run started so far has settled (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.runs.size > 0) await Promise.allSettled([...this.runs.values()]);
  }
}
