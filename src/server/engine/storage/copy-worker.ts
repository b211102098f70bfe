import type { EngineDeps } from "../deps";
import { verifyDue } from "../verify/verify-snapshot";
import { recoverInterruptedCopies, runDueCopies } from "./copy-run";

// Longest sleep: scheduled verification and copies queued by another process (the CLI) are seen within this.
const MAX_SLEEP_MS = 5 * 60_000;

/**
 * Runs off-host work in the background, one piece at a time: due copies (new snapshots,
 * retries after their back-off), then scheduled verifications. Sleeps until the next retry is
 * due; a new snapshot or a Retry wakes it (deps.copies.wake).
 */
export class CopyWorker {
  private cancelTimer: (() => void) | undefined;
  private running = false;
  private working: Promise<void> | undefined;
  private again = false;

  constructor(private readonly deps: EngineDeps) {}

  async start(): Promise<void> {
    const recovered = await recoverInterruptedCopies(this.deps);
    if (recovered > 0) this.deps.log.warn({ copies: recovered }, "copies cut short by a stop are queued again; they resume");
    this.running = true;
    this.deps.copies.wake = () => void this.tick();
    void this.tick();
  }

  stop(): void {
    this.running = false;
    this.cancelTimer?.();
    this.deps.copies.wake = () => {};
  }

  /** Does what is due now (a wake-up during the work makes it look again). */
  tick(): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (this.working) {
      this.again = true;
      return this.working;
    }
    this.working = this.work().finally(() => (this.working = undefined));
    return this.working;
  }

  /** Resolves when nothing is being worked on (tests). */
  async settled(): Promise<void> {
    while (this.working) await this.working;
  }

  private async work(): Promise<void> {
    let next: Date | null = null;
    try {
      do {
        this.again = false;
        next = await runDueCopies(this.deps);
        if (!this.again) await verifyDue(this.deps);
      } while (this.again && this.running);
    } catch (error) {
      this.deps.log.error({ err: error }, "off-host copies: the worker failed; trying again later");
    }
    this.arm(next);
  }

  private arm(next: Date | null): void {
    this.cancelTimer?.();
    if (!this.running) return;
    const now = this.deps.clock.now().getTime();
    const ms = next ? Math.min(Math.max(next.getTime() - now, 0), MAX_SLEEP_MS) : MAX_SLEEP_MS;
    this.cancelTimer = this.deps.clock.setTimer(() => void this.tick(), ms);
  }
}
