import { encode } from "next-auth/jwt";
import { createTRPCContext } from "~/server/api/context";
import { createCaller } from "~/server/api/root";
import type { EngineDeps } from "~/server/engine/deps";
import { systemActor } from "~/server/engine/actor";
import { createApiToken, revokeApiToken } from "~/server/engine/api-tokens";
import { createUser } from "~/server/engine/users";

export const SAME_ORIGIN = { host: "berth.test:3000", origin: "http://berth.test:3000", "sec-fetch-site": "same-origin" };

/** A real next-auth session cookie for a user, as the browser would send it. */
export async function sessionCookie(user: { id: string; email: string; role: string }): Promise<string> {
  const jwt = await encode({
    token: { uid: user.id, role: user.role as "ADMIN" | "VIEWER", email: user.email, sub: user.id },
    secret: process.env.NEXTAUTH_SECRET!,
  });
  return `next-auth.session-token=${jwt}`;
}

export async function callerFor(headers: Record<string, string>) {
  return createCaller(await createTRPCContext({ headers: new Headers(headers) }));
}

export type IdentityName = "anonymous" | "viewer" | "admin" | "revokedToken" | "viewerToken" | "adminToken";

/** Creates one of each kind of caller the role matrix checks. */
export async function createIdentities(deps: EngineDeps, suffix = Math.random().toString(36).slice(2, 8)) {
  const system = systemActor("test");
  const admin = await createUser(deps, system, { email: `admin-${suffix}@berth.test`, password: "admin-password", role: "ADMIN" });
  const viewer = await createUser(deps, system, { email: `viewer-${suffix}@berth.test`, password: "viewer-password", role: "VIEWER" });
  const adminToken = await createApiToken(deps, system, { name: `admin-${suffix}`, role: "ADMIN" });
  const viewerToken = await createApiToken(deps, system, { name: `viewer-${suffix}`, role: "VIEWER" });
  const revoked = await createApiToken(deps, system, { name: `revoked-${suffix}`, role: "ADMIN" });
  await revokeApiToken(deps, system, revoked.token.id);

  const headers: Record<IdentityName, Record<string, string>> = {
    anonymous: { ...SAME_ORIGIN },
    viewer: { ...SAME_ORIGIN, cookie: await sessionCookie(viewer) },
    admin: { ...SAME_ORIGIN, cookie: await sessionCookie(admin) },
    revokedToken: { authorization: `Bearer ${revoked.secret}` },
    viewerToken: { authorization: `Bearer ${viewerToken.secret}` },
    adminToken: { authorization: `Bearer ${adminToken.secret}` },
  };
  return { admin, viewer, adminToken, viewerToken, revoked, headers };
}
