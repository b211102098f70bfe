import { describe, expect, it } from "vitest";
import { assertLeaseFor, KeyedLock } from "~/server/engine/keyed-lock";

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
    const inner = async (lease: { key: string; active: boolean }) => {
      assertLeaseFor(lease, "w");
      return "redeployed";
    };
    await expect(lock.run("w", (lease) => inner(lease))).resolves.toBe("redeployed");
    let leaked!: { key: string; active: boolean };
    await lock.run("w", async (lease) => void (leaked = lease));
    expect(() => assertLeaseFor(leaked, "w")).toThrow(/after release/);
  });
});
