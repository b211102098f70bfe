import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import type { Db } from "../db";
import { DomainError } from "./errors";
import { burnPasswordCheck, verifyPassword } from "./passwords";
import { normalizeEmail, type UserView } from "./users";

const WINDOW_SECONDS = 15 * 60;

// Failed attempts are counted per account+address (stops guessing one password) and
// per address (stops spraying many accounts); a success clears the account's count.
export function createSignInLimiter(opts = { perAccount: 5, perAddress: 30 }) {
  return {
    account: new RateLimiterMemory({ keyPrefix: "acct", points: opts.perAccount, duration: WINDOW_SECONDS }),
    address: new RateLimiterMemory({ keyPrefix: "addr", points: opts.perAddress, duration: WINDOW_SECONDS }),
  };
}
export type SignInLimiter = ReturnType<typeof createSignInLimiter>;

function tooMany(res: RateLimiterRes): DomainError {
  const minutes = Math.max(1, Math.ceil(res.msBeforeNext / 60_000));
  return new DomainError(
    "TOO_MANY_REQUESTS",
    `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
  );
}

async function assertNotLimited(limiter: SignInLimiter, accountKey: string, address: string) {
  for (const [l, key] of [[limiter.account, accountKey], [limiter.address, address]] as const) {
    const res = await l.get(key);
    if (res && res.remainingPoints <= 0) throw tooMany(res);
  }
}

export async function signIn(
  db: Db,
  limiter: SignInLimiter,
  input: { email: string; password: string; address: string },
): Promise<UserView> {
  const email = normalizeEmail(input.email);
  const accountKey = `${email}|${input.address}`;
  await assertNotLimited(limiter, accountKey, input.address);

  const user = await db.user.findUnique({ where: { email } });
  const ok = user ? await verifyPassword(user.passwordHash, input.password) : (await burnPasswordCheck(input.password), false);
  if (!user || !ok) {
    await Promise.all([limiter.account.penalty(accountKey, 1), limiter.address.penalty(input.address, 1)]);
    throw new DomainError("UNAUTHORIZED", "Invalid email or password");
  }
  await limiter.account.delete(accountKey);
  const { passwordHash: _hash, updatedAt: _u, ...view } = user;
  return view;
}
