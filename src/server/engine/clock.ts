/** Time as the engine sees it: the system's, or a test's that it moves by hand (schedules). */
export interface Clock {
  now(): Date;
  /** calls `fire` after `ms`; returns what cancels it */
  setTimer(fire: () => void, ms: number): () => void;
}

export const systemClock: Clock = {
  now: () => new Date(),
  setTimer(fire, ms) {
    const timer = setTimeout(fire, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};
