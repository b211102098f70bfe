import { conflict } from "./errors";

/** Proof that the caller holds a key's lock; pass it to work that must run under the lock. */
export interface LockLease {
  readonly key: string;
  readonly active: boolean;
}

/**
 * A per-key async mutex: work on one key runs one at a time in arrival order, different
 * keys run in parallel. `tryRun` refuses at once instead of queueing (single-flight).
 * Re-entry is by lease, not by re-locking: code that already holds the lock passes its
 * lease to the inner step (e.g. restore → redeploy), so there is nothing to deadlock on.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly depth = new Map<string, number>();

  isLocked(key: string): boolean {
    return (this.depth.get(key) ?? 0) > 0;
  }

  async run<T>(key: string, work: (lease: LockLease) => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    this.depth.set(key, (this.depth.get(key) ?? 0) + 1);

    await previous;
    const lease = { key, active: true };
    try {
      return await work(lease);
    } finally {
      lease.active = false;
      const left = (this.depth.get(key) ?? 1) - 1;
      if (left === 0) this.depth.delete(key);
      else this.depth.set(key, left);
      if (this.tails.get(key) === tail) this.tails.delete(key);
      release();
    }
  }

  /** Runs now if nobody holds or waits for the key; otherwise throws CONFLICT with `busyMessage`. */
  tryRun<T>(key: string, busyMessage: string, work: (lease: LockLease) => Promise<T>): Promise<T> {
    if (this.isLocked(key)) return Promise.reject(conflict(busyMessage));
    return this.run(key, work);
  }
}

export function assertLeaseFor(lease: LockLease, key: string): void {
  if (!lease.active || lease.key !== key) throw new Error(`lock lease for ${lease.key} used for ${key} or after release`);
}
