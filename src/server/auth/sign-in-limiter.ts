import { createSignInLimiter, type SignInLimiter } from "../engine/sign-in";

// One limiter per server process (kept across dev-mode module reloads).
const globalForLimiter = globalThis as unknown as { berthSignInLimiter?: SignInLimiter };
export const signInLimiter = (globalForLimiter.berthSignInLimiter ??= createSignInLimiter());
