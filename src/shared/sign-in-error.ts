import type { ErrorParams } from "./error-reasons";

/**
 * next-auth hands a failed sign-in to the browser as one string (`?error=`): the reason and
 * its params as JSON, so the login form translates a code instead of matching English.
 */
export interface SignInError {
  reason: string;
  params?: ErrorParams;
}

export const encodeSignInError = (error: SignInError): string => JSON.stringify(error);

/** null for anything else (e.g. next-auth's own "CredentialsSignin"). */
export function decodeSignInError(text: string): SignInError | null {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === "object" && typeof (value as SignInError).reason === "string") return value as SignInError;
  } catch {
    // not ours
  }
  return null;
}
