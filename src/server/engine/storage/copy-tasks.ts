/**
 * The per-process state of off-host copies: the back-off between tries, which targets a copy
 * (or a verification) is using right now (a target in use is not deleted under it), the
 * worker's wake-up (a new snapshot or a Retry calls it), and the work in flight, so a test or
 * a shutdown can wait for it.
 */
export class CopyTasks {
  readonly retryDelaysMs: readonly number[];
  /** how often the newest snapshot of each workload is verified again; 0: never on its own */
  readonly verifyIntervalMs: number;
  private readonly inUse = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();
  /** set by the running worker; a no-op where none runs (CLI, tests that drive copies themselves) */
  wake: () => void = () => {};

  constructor(options: { retryDelaysMs?: readonly number[]; verifyIntervalMs?: number } = {}) {
    // A copy is tried once more than there are delays: 10 s, 1 min, 5 min, 30 min, then it has failed.
    this.retryDelaysMs = [...(options.retryDelaysMs ?? [10_000, 60_000, 5 * 60_000, 30 * 60_000])];
    this.verifyIntervalMs = options.verifyIntervalMs ?? 24 * 3600_000;
  }

  isTargetBusy(targetId: string): boolean {
    return (this.inUse.get(targetId) ?? 0) > 0;
  }

  /** Runs `work` marked as using the target; tracked until it settles. */
  async onTarget<T>(targetId: string, work: () => Promise<T>): Promise<T> {
    this.inUse.set(targetId, (this.inUse.get(targetId) ?? 0) + 1);
    const running = work();
    const settled = running.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(settled);
    try {
      return await running;
    } finally {
      this.inFlight.delete(settled);
      const left = (this.inUse.get(targetId) ?? 1) - 1;
      if (left > 0) this.inUse.set(targetId, left);
      else this.inUse.delete(targetId);
    }
  }

  get busy(): boolean {
    return this.inFlight.size > 0;
  }

  /** Resolves when no copy or verification is running. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}
