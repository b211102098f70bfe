import type { ErrorParams } from "./error-reasons";

/**
 * A reason with its params as one string, where a channel carries only text: next-auth's
 * sign-in `error` (read by the login form) and a failed restore run's `detail` (with its
 * English message beside, for API clients).
 */
export interface EncodedReason {
  reason: string;
  params?: ErrorParams;
  message?: string;
}

export const encodeReason = (value: EncodedReason): string => JSON.stringify(value);

/** null for any other text (e.g. next-auth's own "CredentialsSignin", an English sentence); params keep only strings and numbers. */
export function decodeReason(text: string): EncodedReason | null {
  if (!text.startsWith("{")) return null;
  try {
    const { reason, params, message } = JSON.parse(text) as { reason?: unknown; params?: unknown; message?: unknown };
    if (typeof reason !== "string") return null;
    const values = Object.entries(typeof params === "object" && params !== null ? params : {}).filter(
      ([, v]) => typeof v === "string" || typeof v === "number",
    );
    return { reason, params: Object.fromEntries(values) as ErrorParams, ...(typeof message === "string" ? { message } : {}) };
  } catch {
    return null;
  }
}
