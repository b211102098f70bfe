import type { ContainerStats } from "~/server/engine/container-runtime";

/** How long a container's reading is shared: a few dashboards and detail pages polling every few seconds cost one Docker call. */
export const STATS_TTL_MS = 3_000;

/**
 * One reading of a container's stats at a time, shared: callers asking while Docker is being
 * asked get the same answer, and so do those asking within `ttlMs` after it came. A failure is
 * shared only by those who waited for it; the next caller asks again.
 */
export class StatsCache {
  private readonly entries = new Map<string, { reading: Promise<ContainerStats | null>; settledAt?: number }>();

  constructor(private readonly ttlMs = STATS_TTL_MS) {}

  /** `key`'s reading: the one in flight, a fresh one (younger than the TTL by `now`, deps.clock's), else `read()`'s. */
  get(key: string, now: () => number, read: () => Promise<ContainerStats | null>): Promise<ContainerStats | null> {
    const entry = this.entries.get(key);
    if (entry && (entry.settledAt === undefined || now() - entry.settledAt < this.ttlMs)) return entry.reading;
    const fresh: { reading: Promise<ContainerStats | null>; settledAt?: number } = { reading: read() };
    this.entries.set(key, fresh);
    fresh.reading.then(
      () => {
        fresh.settledAt = now();
        this.prune(fresh.settledAt);
      },
      () => {
        if (this.entries.get(key) === fresh) this.entries.delete(key);
      },
    );
    return fresh.reading;
  }

  /** Stale readings go, so workloads deleted long ago do not stay in memory. */
  private prune(now: number) {
    for (const [key, entry] of this.entries)
      if (entry.settledAt !== undefined && now - entry.settledAt >= this.ttlMs) this.entries.delete(key);
  }
}
