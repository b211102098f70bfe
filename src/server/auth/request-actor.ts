import { NextRequest } from "next/server";
import { getToken } from "next-auth/jwt";
import { env } from "~/env";
import type { EngineDeps } from "../engine/deps";
import type { Actor } from "../engine/actor";
import { tokenOwnerDisabled } from "../engine/accounts";
import { authenticateApiToken, type AuthProblem } from "../engine/api-tokens";
import { DomainError } from "../engine/errors";
import type { Role } from "~/generated/prisma/enums";
import { roleAtLeast } from "~/shared/roles";

export type RequestAuth =
  | { via: "token"; actor: Actor }
  | { via: "cookie"; actor: Actor }
  | { via: "none"; actor: null; problem?: AuthProblem };

const DISABLED: AuthProblem = { message: "This account is disabled", reason: "account-disabled" };

/**
 * Who sent this request: a bearer API token, or a next-auth session cookie. The session's
 * user is re-read from the database so a deleted or disabled user, a changed role, a sign-out
 * or a new password takes effect at once.
 */
export async function authenticateRequest(deps: EngineDeps, headers: Headers): Promise<RequestAuth> {
  const authorization = headers.get("authorization");
  if (authorization) {
    const [scheme, secret] = authorization.split(" ");
    if (scheme !== "Bearer" || !secret)
      return { via: "none", actor: null, problem: { message: "Malformed Authorization header", reason: "auth-header-malformed" } };
    const result = await authenticateApiToken(deps, secret);
    if (!("actor" in result)) return { via: "none", actor: null, problem: result.problem };
    // A disabled account's tokens stop while it is disabled (they are not revoked).
    if (result.actor.kind === "token" && (await tokenOwnerDisabled(deps.db, result.actor.tokenId)))
      return { via: "none", actor: null, problem: DISABLED };
    return { via: "token", actor: result.actor };
  }

  // Behind an HTTPS proxy next-auth names the cookie __Secure-…; over plain http it has no
  // prefix. The request URL here is not the one the browser used, so read whichever is sent.
  const req = new NextRequest("http://berth.local/", { headers });
  const readCookie = (secureCookie: boolean) => getToken({ req, secret: env.NEXTAUTH_SECRET, secureCookie });
  const jwt = (await readCookie(true)) ?? (await readCookie(false));
  if (!jwt?.uid) return { via: "none", actor: null };
  const user = await deps.db.user.findUnique({
    where: { id: jwt.uid },
    select: { id: true, email: true, role: true, sessionVersion: true, disabledAt: true },
  });
  if (!user) return { via: "none", actor: null, problem: { message: "Your account no longer exists", reason: "account-gone" } };
  if (user.disabledAt) return { via: "none", actor: null, problem: DISABLED };
  // Sign-out and a password change bump the version: older cookies have ended.
  if ((jwt.sv ?? 0) !== user.sessionVersion)
    return { via: "none", actor: null, problem: { message: "Your session has ended; sign in again", reason: "session-ended" } };
  return { via: "cookie", actor: { kind: "user", userId: user.id, label: user.email, role: user.role } };
}

/** Browsers always send Origin or Sec-Fetch-Site on a cross-site POST; refuse those. */
export function isSameOrigin(headers: Headers): boolean {
  const fetchSite = headers.get("sec-fetch-site");
  if (fetchSite && fetchSite !== "same-origin") return false;
  const origin = headers.get("origin");
  if (!origin) return true;
  // A browser sets Host itself, so it names the origin the page was really served from.
  const expectedHost = headers.get("x-forwarded-host") ?? headers.get("host");
  try {
    return new URL(origin).host === expectedHost;
  } catch {
    return false;
  }
}

/**
 * Who may act with `role`, or why not: 401 when nobody (or an ended session, a bad token) sent
 * the request, 403 for too weak a role or a cookie mutation from another site. The tRPC role
 * middleware and the route handlers both ask here.
 */
export function checkAccess(
  auth: RequestAuth,
  role: Role,
  request: { mutation: boolean; headers: Headers },
): { actor: Actor } | { refusal: DomainError } {
  if (!auth.actor) {
    if (auth.via === "none" && auth.problem) return { refusal: new DomainError("UNAUTHORIZED", auth.problem.message, auth.problem) };
    return { refusal: new DomainError("UNAUTHORIZED", "Sign in first", { reason: "sign-in-first" }) };
  }
  if (!roleAtLeast(auth.actor.role, role)) {
    const message = `This action needs the ${role.toLowerCase()} role`;
    return { refusal: new DomainError("FORBIDDEN", message, { reason: "role-needed", params: { role } }) };
  }
  if (request.mutation && auth.via === "cookie" && !isSameOrigin(request.headers)) {
    return { refusal: new DomainError("FORBIDDEN", "Cross-site request refused", { reason: "cross-site" }) };
  }
  return { actor: auth.actor };
}
