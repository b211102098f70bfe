import type { Clock } from "~/server/engine/clock";

/** Time that moves only when the test says; timers fire in order as it passes them. */
export class TestClock implements Clock {
  private timers: { at: number; fire: () => void; seq: number }[] = [];
  private seq = 0;
  constructor(private t: number) {}
  now = () => new Date(this.t);
  setTimer = (fire: () => void, ms: number) => {
    const timer = { at: this.t + ms, fire, seq: this.seq++ };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  };
  /**
   * Moves to `to`, firing each timer at its time; after each, `settle` lets the scheduler finish
   * what it started (its runs: `settled`, or only its look for due runs: `looked`).
   */
  async advanceTo(to: Date, settle: () => Promise<void>) {
    for (;;) {
      const next = Math.min(...this.timers.map((x) => x.at));
      if (!(next <= to.getTime())) break;
      // Every timer of that instant fires before settling: a run may wait for another's.
      const firing = this.timers.filter((x) => x.at === next).sort((a, b) => a.seq - b.seq);
      this.timers = this.timers.filter((x) => !firing.includes(x));
      this.t = Math.max(this.t, next);
      for (const timer of firing) timer.fire();
      await settle();
    }
    this.t = to.getTime();
    await settle();
  }
}
