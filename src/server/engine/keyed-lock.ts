import { conflict } from "./errors";

/** Proof that the caller holds some keys' locks; pass it to work that must run under them. */
export interface LockLease {
  readonly keys: ReadonlySet<string>;
  readonly active: boolean;
}

/**
 * A per-key async mutex: work on one key runs one at a time in arrival order, different
 * keys run in parallel. `runAll` holds several keys at once, taken in one sorted order so
 * two callers that need overlapping sets cannot deadlock. `tryRun` refuses at once instead
 * of queueing (single-flight). Re-entry is by lease, not by re-locking: code that already
 * holds the lock passes its lease to the inner step (e.g. restore → redeploy), so there is
 * nothing to deadlock on.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly depth = new Map<string, number>();

  isLocked(key: string): boolean {
    return (this.depth.get(key) ?? 0) > 0;
  }

  run<T>(key: string, work: (lease: LockLease) => Promise<T>): Promise<T> {
    return this.runAll([key], work);
  }

  async runAll<T>(keys: string[], work: (lease: LockLease) => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort();
    const releases: (() => void)[] = [];
    // Queue on every key at once (synchronously), in sorted order, then wait for each in turn.
    const waits = sorted.map((key) => {
      const previous = this.tails.get(key) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((resolve) => (release = resolve));
      const tail = previous.then(() => mine);
      this.tails.set(key, tail);
      this.depth.set(key, (this.depth.get(key) ?? 0) + 1);
      releases.push(() => {
        const left = (this.depth.get(key) ?? 1) - 1;
        if (left === 0) this.depth.delete(key);
        else this.depth.set(key, left);
        if (this.tails.get(key) === tail) this.tails.delete(key);
        release();
      });
      return previous;
    });
    const lease = { keys: new Set(sorted), active: false };
    try {
      for (const wait of waits) await wait;
      lease.active = true;
      return await work(lease);
    } finally {
      lease.active = false;
      for (const release of releases) release();
    }
  }

  /** Runs now if nobody holds or waits for the key; otherwise throws CONFLICT with `busyMessage`. */
  tryRun<T>(key: string, busyMessage: string, work: (lease: LockLease) => Promise<T>): Promise<T> {
    if (this.isLocked(key)) return Promise.reject(conflict(busyMessage));
    return this.run(key, work);
  }
}

export function assertLeaseFor(lease: LockLease, key: string): void {
  if (!lease.active || !lease.keys.has(key))
    throw new Error(`lock lease for ${[...lease.keys].join(", ")} used for ${key} or after release`);
}
