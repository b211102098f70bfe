import { describe, expect, it } from "vitest";
import { assertLeaseFor, KeyedLock, type LockLease } from "~/server/engine/keyed-lock";

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("KeyedLock", () => {
  it("runs work on one key one at a time, in arrival order", async () => {
    const lock = new KeyedLock();
    const events: string[] = [];
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        lock.run("w1", async () => {
          inside++;
          maxInside = Math.max(maxInside, inside);
          events.push(`start${i}`);
          await tick();
          events.push(`end${i}`);
          inside--;
        }),
      ),
    );
    expect(maxInside).toBe(1);
    expect(events).toEqual(Array.from({ length: 10 }, (_, i) => [`start${i}`, `end${i}`]).flat());
    expect(lock.isLocked("w1")).toBe(false);
  });

  it("runs different keys in parallel", async () => {
    const lock = new KeyedLock();
    let inside = 0;
    let maxInside = 0;
    const work = async () => {
      inside++;
      maxInside = Math.max(maxInside, inside);
      await tick();
      inside--;
    };
    await Promise.all([lock.run("a", work), lock.run("b", work), lock.run("c", work)]);
    expect(maxInside).toBe(3);
  });

  it("releases the key when work throws", async () => {
    const lock = new KeyedLock();
    await expect(lock.run("k", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(lock.isLocked("k")).toBe(false);
    await expect(lock.run("k", async () => "next")).resolves.toBe("next");
  });

  it("tryRun refuses with CONFLICT while the key is held, and works once it is free", async () => {
    const lock = new KeyedLock();
    let finish!: () => void;
    const held = lock.run("k", () => new Promise<void>((r) => (finish = r)));
    await expect(lock.tryRun("k", "a restore is already running", async () => 1)).rejects.toMatchObject({
      code: "CONFLICT",
      message: "a restore is already running",
    });
    await expect(lock.tryRun("other", "busy", async () => 2)).resolves.toBe(2);
    finish();
    await held;
    await expect(lock.tryRun("k", "busy", async () => 3)).resolves.toBe(3);
  });

  it("a holder passes its lease to inner steps instead of re-locking (no deadlock)", async () => {
    const lock = new KeyedLock();
    const inner = async (lease: LockLease) => {
      assertLeaseFor(lease, "w");
      return "redeployed";
    };
    await expect(lock.run("w", (lease) => inner(lease))).resolves.toBe("redeployed");
    let leaked!: LockLease;
    await lock.run("w", async (lease) => void (leaked = lease));
    expect(() => assertLeaseFor(leaked, "w")).toThrow(/after release/);
  });

  it("runAll holds every key at once: overlapping sets never interleave and never deadlock", async () => {
    const lock = new KeyedLock();
    const holders = new Map<string, number>();
    let clash = false;
    const work = (keys: string[]) => async (lease: LockLease) => {
      for (const k of keys) {
        assertLeaseFor(lease, k);
        if (holders.get(k)) clash = true;
        holders.set(k, 1);
      }
      await tick();
      for (const k of keys) holders.set(k, 0);
    };
    const sets = [["a", "b"], ["b", "c"], ["c", "a"], ["b", "a"], ["c"], ["a", "b", "c"]];
    await Promise.all(Array.from({ length: 30 }, (_, i) => lock.runAll(sets[i % sets.length]!, work(sets[i % sets.length]!))));
    expect(clash).toBe(false);
    for (const k of ["a", "b", "c"]) expect(lock.isLocked(k)).toBe(false);
  });

  it("a runAll lease does not cover keys it did not take", async () => {
    const lock = new KeyedLock();
    await lock.runAll(["w1", "w2"], async (lease) => {
      expect(() => assertLeaseFor(lease, "w2")).not.toThrow();
      expect(() => assertLeaseFor(lease, "w3")).toThrow(/used for w3/);
    });
  });
});
