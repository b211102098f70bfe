import { RateLimiterMemory, type RateLimiterRes } from "rate-limiter-flexible";
import type { Db } from "../db";
import type { EngineDeps } from "./deps";
import { systemActor } from "./actor";
import { recordAudit } from "./audit";
import { badRequest, DomainError, notFound } from "./errors";
import { burnPasswordCheck, verifyPassword } from "./passwords";
import { normalizeEmail, type UserView } from "./users";

const WINDOW_SECONDS = 15 * 60;
const FIRST_BLOCK_MS = 60_000;
const MAX_BLOCK_MS = 60 * 60_000;
// Back-off state of unknown e-mails, kept so they behave exactly like real accounts; the
// oldest are forgotten past this many.
const MAX_PHANTOMS = 10_000;

export interface SignInLimits {
  /** Failures per account+address in 15 minutes (stops guessing from one place). */
  perAccount: number;
  /** Failures per address in 15 minutes (stops spraying many accounts). */
  perAddress: number;
  /** Consecutive failures of an account, from any address, before it backs off. */
  backoffAfter?: number;
  now?: () => number;
}

// Every attempt takes its points BEFORE the password is checked (a refused or successful
// attempt gives them back), so parallel attempts cannot all pass a check made before any
// of them failed. The per-account back-off lives on the User row, where no address resets it.
export function createSignInLimiter(opts: SignInLimits = { perAccount: 5, perAddress: 30 }) {
  return {
    account: new RateLimiterMemory({ keyPrefix: "acct", points: opts.perAccount, duration: WINDOW_SECONDS }),
    address: new RateLimiterMemory({ keyPrefix: "addr", points: opts.perAddress, duration: WINDOW_SECONDS }),
    backoffAfter: opts.backoffAfter ?? 10,
    now: opts.now ?? Date.now,
    phantoms: new Map<string, Backoff>(),
  };
}
export type SignInLimiter = ReturnType<typeof createSignInLimiter>;

interface Backoff {
  failedSignIns: number;
  signInBlockedUntil: Date | null;
}
type Admission = { blockedMs: number } | { next: Backoff; blocks: number | null };

function tooMany(ms: number): DomainError {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  return new DomainError(
    "TOO_MANY_REQUESTS",
    `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
    { reason: "too-many-attempts", params: { minutes } },
  );
}

/**
 * A limiter's "no points left" answer. Not `instanceof RateLimiterRes`: the limiter lives in the
 * process's one EngineDeps, built by whichever of the server's two bundles loaded first, so
 * its answers may come from the other bundle's copy of the class.
 */
const isRefusal = (r: unknown): r is RateLimiterRes =>
  typeof r === "object" && r !== null && !(r instanceof Error) && typeof (r as RateLimiterRes).msBeforeNext === "number";

async function takePoints(limiter: SignInLimiter, keys: readonly [string, string]): Promise<void> {
  const limiters = [limiter.account, limiter.address] as const;
  const taken = await Promise.allSettled(limiters.map((l, i) => l.consume(keys[i]!)));
  const refused = taken.flatMap((t) => (t.status === "rejected" ? [t.reason as unknown] : []));
  if (!refused.length) return;
  await Promise.all(taken.map((t, i) => (t.status === "fulfilled" ? limiters[i]!.reward(keys[i]!, 1) : null)));
  const over = refused.filter(isRefusal);
  if (over.length < refused.length) throw refused.find((r) => !isRefusal(r));
  throw tooMany(Math.max(...over.map((r) => r.msBeforeNext)));
}

// Admitting an attempt counts it as a failure up front (a success resets the count), and
// the attempt that reaches the threshold sets the block: 1 minute, doubling, at most 1 hour.
function admit(state: Backoff, now: number, after: number): Admission {
  const blockedUntil = state.signInBlockedUntil?.getTime() ?? 0;
  if (blockedUntil > now) return { blockedMs: blockedUntil - now };
  const failedSignIns = state.failedSignIns + 1;
  if (failedSignIns < after) return { next: { failedSignIns, signInBlockedUntil: null }, blocks: null };
  const ms = Math.min(MAX_BLOCK_MS, FIRST_BLOCK_MS * 2 ** (failedSignIns - after));
  return { next: { failedSignIns, signInBlockedUntil: new Date(now + ms) }, blocks: ms };
}

// Compare-and-set on the row, so concurrent attempts are admitted one at a time; null when
// the user was deleted meanwhile.
async function admitAccount(db: Db, limiter: SignInLimiter, id: string): Promise<Admission | null> {
  for (let tries = 0; tries < 100; tries++) {
    const state = await db.user.findUnique({ where: { id }, select: { failedSignIns: true, signInBlockedUntil: true } });
    if (!state) return null;
    const admission = admit(state, limiter.now(), limiter.backoffAfter);
    if ("blockedMs" in admission) return admission;
    const { count } = await db.user.updateMany({ where: { id, ...state }, data: admission.next });
    if (count === 1) return admission;
  }
  throw new Error("sign-in back-off: the account row kept changing");
}

function admitPhantom(limiter: SignInLimiter, email: string): Admission {
  const state = limiter.phantoms.get(email) ?? { failedSignIns: 0, signInBlockedUntil: null };
  const admission = admit(state, limiter.now(), limiter.backoffAfter);
  if ("next" in admission) {
    limiter.phantoms.delete(email); // re-inserted last: the map stays in least-recent order
    limiter.phantoms.set(email, admission.next);
    if (limiter.phantoms.size > MAX_PHANTOMS) limiter.phantoms.delete(limiter.phantoms.keys().next().value!);
  }
  return admission;
}

export async function signIn(deps: EngineDeps, input: { email: string; password: string; address: string }): Promise<UserView> {
  const { db, signInLimiter: limiter } = deps;
  const email = normalizeEmail(input.email);
  const keys = [`${email}|${input.address}`, input.address] as const;
  await takePoints(limiter, keys);

  // An unknown e-mail goes through the same back-off, messages and password hashing.
  let user = await db.user.findUnique({ where: { email } });
  let admission = user && (await admitAccount(db, limiter, user.id));
  if (!admission) {
    user = null;
    admission = admitPhantom(limiter, email);
  }
  if ("blockedMs" in admission) {
    await Promise.all([limiter.account.reward(keys[0], 1), limiter.address.reward(keys[1], 1)]);
    throw tooMany(admission.blockedMs);
  }

  const ok = user ? await verifyPassword(user.passwordHash, input.password) : (await burnPasswordCheck(input.password), false);
  if (!user || !ok) {
    if (user && admission.blocks) await auditBlock(db, user.email, admission.next.failedSignIns, admission.blocks, input.address);
    throw new DomainError("UNAUTHORIZED", "Invalid email or password", { reason: "invalid-credentials" });
  }
  await Promise.all([
    limiter.account.delete(keys[0]),
    limiter.address.reward(keys[1], 1),
    db.user.update({ where: { id: user.id }, data: { failedSignIns: 0, signInBlockedUntil: null } }),
  ]);
  // Said only after the right password, so it does not tell a guesser which e-mails exist.
  if (user.disabledAt) {
    await recordAudit(db, systemActor("sign-in"), { action: "auth.signInDisabled", target: user.email, outcome: "failure" });
    throw new DomainError("UNAUTHORIZED", "This account is disabled", { reason: "account-disabled" });
  }
  const { passwordHash: _hash, updatedAt: _u, failedSignIns: _f, signInBlockedUntil: _b, ...view } = user;
  return view;
}

function auditBlock(db: Db, email: string, failedSignIns: number, blockedMs: number, address?: string) {
  return recordAudit(db, systemActor("sign-in limiter"), {
    action: "auth.signInBlocked",
    target: email,
    outcome: "failure",
    detail: { failedSignIns, blockedSeconds: blockedMs / 1000, address: address ?? null },
  });
}

/**
 * A signed-in user re-entering their password (to change it) goes through the account's
 * sign-in back-off: a stolen session guesses no faster here than at the login form.
 */
export async function verifyOwnPassword(deps: EngineDeps, userId: string, password: string): Promise<void> {
  const { db, signInLimiter: limiter } = deps;
  const admission = await admitAccount(db, limiter, userId);
  if (!admission) throw notFound("user");
  if ("blockedMs" in admission) throw tooMany(admission.blockedMs);
  const user = await db.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true, passwordHash: true } });
  if (!(await verifyPassword(user.passwordHash, password))) {
    if (admission.blocks) await auditBlock(db, user.email, admission.next.failedSignIns, admission.blocks);
    throw badRequest("The current password is wrong", { reason: "current-password-wrong" });
  }
  await db.user.update({ where: { id: userId }, data: { failedSignIns: 0, signInBlockedUntil: null } });
}
