// The sign-in limits against the real database: parallel attempts, the per-account back-off
// that no address resets, and unknown e-mails that behave exactly like real accounts.
import { describe, expect, it } from "vitest";
import { engineDeps } from "~/server/engine-deps";
import { db } from "~/server/db";
import { systemActor } from "~/server/engine/actor";
import { listAuditEvents } from "~/server/engine/audit";
import { createSignInLimiter, signIn } from "~/server/engine/sign-in";
import { createUser } from "~/server/engine/users";

const system = systemActor("test");

// Outcome of one attempt: "ok", "invalid" (the password was checked) or the refusal message.
async function outcome(attempt: Promise<unknown>): Promise<string> {
  try {
    await attempt;
    return "ok";
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    if (code === "UNAUTHORIZED" && message === "Invalid email or password") return "invalid";
    if (code === "TOO_MANY_REQUESTS") return message;
    throw error;
  }
}

const count = (outcomes: string[], value: string) => outcomes.filter((o) => o === value).length;

describe("sign-in limits", () => {
  it("lets at most 5 of 12 parallel wrong attempts from one address reach the password check", async () => {
    await createUser(engineDeps, system, { email: "race@berth.test", password: "right-password", role: "VIEWER" });
    const limiter = createSignInLimiter({ perAccount: 5, perAddress: 30 });
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, () =>
        outcome(signIn({ ...engineDeps, signInLimiter: limiter }, { email: "race@berth.test", password: "wrong", address: "10.1.0.1" })),
      ),
    );
    expect(count(outcomes, "invalid")).toBe(5);
    expect(count(outcomes, "Too many failed sign-in attempts. Try again in 15 minutes.")).toBe(7);
  });

  it("lets at most 5 of 12 parallel wrong attempts from 12 addresses through an account back-off of 5", async () => {
    const user = await createUser(engineDeps, system, { email: "race-many@berth.test", password: "right-password", role: "VIEWER" });
    const limiter = createSignInLimiter({ perAccount: 5, perAddress: 30, backoffAfter: 5 });
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        outcome(
          signIn({ ...engineDeps, signInLimiter: limiter }, { email: "race-many@berth.test", password: "wrong", address: `10.2.0.${i}` }),
        ),
      ),
    );
    expect(count(outcomes, "invalid")).toBe(5);
    expect(count(outcomes, "Too many failed sign-in attempts. Try again in 1 minute.")).toBe(7);
    const row = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.failedSignIns).toBe(5);
  });

  it("backs an account off across addresses, doubling up to an hour, audited, and resets on success", async () => {
    await createUser(engineDeps, system, { email: "backoff@berth.test", password: "right-password", role: "VIEWER" });
    let now = Date.parse("2030-01-01T00:00:00Z");
    const limiter = createSignInLimiter({ perAccount: 5, perAddress: 30, now: () => now });
    let n = 0;
    // Every attempt from a new address: only the per-account back-off can stop them.
    const attempt = (password: string) =>
      outcome(signIn({ ...engineDeps, signInLimiter: limiter }, { email: "backoff@berth.test", password, address: `10.3.${++n}.1` }));

    for (let i = 0; i < 10; i++) expect(await attempt("wrong")).toBe("invalid");
    expect(await attempt("right-password")).toBe("Too many failed sign-in attempts. Try again in 1 minute.");
    const blocks = ["2 minutes", "4 minutes", "8 minutes", "16 minutes", "32 minutes", "60 minutes", "60 minutes"];
    for (const [i, wait] of blocks.entries()) {
      now += Math.min(60, 2 ** i) * 60_000 + 1; // just past the previous block
      expect(await attempt("wrong")).toBe("invalid");
      expect(await attempt("right-password")).toBe(`Too many failed sign-in attempts. Try again in ${wait}.`);
    }

    const audit = (await listAuditEvents(engineDeps, systemActor("test"), 1000)).filter(
      (e) => e.action === "auth.signInBlocked" && e.target === "backoff@berth.test",
    );
    expect(audit).toHaveLength(8);
    expect(audit.map((e) => JSON.parse(e.detail!).blockedSeconds).sort((a, b) => a - b)).toEqual([
      60, 120, 240, 480, 960, 1920, 3600, 3600,
    ]);

    now += 60 * 60_000 + 1;
    expect(await attempt("right-password")).toBe("ok");
    const row = await db.user.findUniqueOrThrow({ where: { email: "backoff@berth.test" } });
    expect(row).toMatchObject({ failedSignIns: 0, signInBlockedUntil: null });
    expect(await attempt("wrong")).toBe("invalid");
  });

  it("answers an unknown e-mail exactly like an existing account under attack", async () => {
    await createUser(engineDeps, system, { email: "exists@berth.test", password: "right-password", role: "VIEWER" });
    const limiter = createSignInLimiter({ perAccount: 5, perAddress: 30 });
    let n = 0;
    const run = async (email: string) => {
      const outcomes: string[] = [];
      for (let i = 0; i < 13; i++)
        outcomes.push(
          await outcome(signIn({ ...engineDeps, signInLimiter: limiter }, { email, password: "wrong", address: `10.4.${++n}.1` })),
        );
      return outcomes;
    };
    const existing = await run("exists@berth.test");
    expect(existing.slice(0, 10)).toEqual(Array(10).fill("invalid"));
    expect(existing.slice(10)).toEqual(Array(3).fill("Too many failed sign-in attempts. Try again in 1 minute."));
    expect(await run("nobody-here@berth.test")).toEqual(existing);
  });

  it("does not charge an address for attempts the account back-off refused", async () => {
    await createUser(engineDeps, system, { email: "refused@berth.test", password: "right-password", role: "VIEWER" });
    await createUser(engineDeps, system, { email: "bystander@berth.test", password: "right-password", role: "VIEWER" });
    const limiter = createSignInLimiter({ perAccount: 5, perAddress: 3, backoffAfter: 1 });
    // The first failure blocks the account; the refused attempts after it cost the address nothing.
    expect(
      await outcome(
        signIn({ ...engineDeps, signInLimiter: limiter }, { email: "refused@berth.test", password: "wrong", address: "10.5.0.1" }),
      ),
    ).toBe("invalid");
    for (let i = 0; i < 5; i++) {
      expect(
        await outcome(
          signIn({ ...engineDeps, signInLimiter: limiter }, { email: "refused@berth.test", password: "x", address: "10.5.0.1" }),
        ),
      ).toMatch(/Too many/);
    }
    expect(
      await outcome(
        signIn(
          { ...engineDeps, signInLimiter: limiter },
          { email: "bystander@berth.test", password: "right-password", address: "10.5.0.1" },
        ),
      ),
    ).toBe("ok");
  });
});
