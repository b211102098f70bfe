// Sessions end at sign-out and at a password change (a version in the cookie, checked per
// request); the HTTPS proxy's __Secure- cookie is read; API tokens expire and never act with
// more than their creator's current role. Sign-in and sign-out run through next-auth's own
// request handler with Berth's options, as the /api/auth route does.
import { TRPCError } from "@trpc/server";
import NextAuth from "next-auth";
import { encode } from "next-auth/jwt";
import { beforeAll, describe, expect, it } from "vitest";
import { engineDeps } from "~/server/engine-deps";
import { authenticateRequest } from "~/server/auth/request-actor";
import { authOptions } from "~/server/auth/options";
import { db } from "~/server/db";
import { systemActor } from "~/server/engine/actor";
import { createUser, setUserPassword } from "~/server/engine/users";
import { callerFor, createIdentities, SAME_ORIGIN, sessionCookie } from "../support/identities";

const system = systemActor("test");
let ids: Awaited<ReturnType<typeof createIdentities>>;

beforeAll(async () => {
  // What start.mjs sets when NEXTAUTH_URL is not: next-auth takes the origin from the request.
  process.env.AUTH_TRUST_HOST = "1";
  ids = await createIdentities(engineDeps);
});

type Proto = "http" | "https";
const cookieHeader = (cookies: Record<string, string>) =>
  Object.entries(cookies)
    .map(([k, v]) => `${k}=${v}`)
    .join("; ");

/**
 * One request through next-auth's own handler (its pages-API entry point, which needs no Next
 * request scope); returns the body and the cookies it set, as a browser would keep them.
 */
async function nextAuth(
  proto: Proto,
  action: "csrf" | "callback" | "signout",
  init: { method: "GET" | "POST"; cookies?: Record<string, string>; body?: Record<string, string>; providerId?: string },
) {
  const headers: Record<string, string[]> = {};
  let body: unknown;
  const res = {
    status: () => res,
    getHeader: (name: string) => headers[name.toLowerCase()],
    setHeader: (name: string, value: string | string[]) => ((headers[name.toLowerCase()] = ([] as string[]).concat(value)), res),
    end: () => res,
    json: (value: unknown) => ((body = value), res),
    send: (value: unknown) => ((body = value), res),
  };
  const req = {
    method: init.method,
    query: { nextauth: [action, init.providerId].filter(Boolean) },
    body: init.body ?? {},
    cookies: init.cookies ?? {},
    headers: { host: "berth.test", "x-forwarded-proto": proto, "content-type": "application/x-www-form-urlencoded" },
  };
  await (NextAuth as unknown as (req: unknown, res: unknown, options: unknown) => Promise<void>)(req, res, authOptions);
  const set = Object.fromEntries(
    (headers["set-cookie"] ?? []).map((c) => {
      const [name, value] = c.split(";")[0]!.split(/=(.*)/s);
      return [name!, decodeURIComponent(value!)];
    }),
  );
  return { body, set };
}

/** Signs in like the login form does; returns the browser's cookies afterwards. */
async function signInThroughNextAuth(email: string, password: string, proto: Proto = "http") {
  const csrf = await nextAuth(proto, "csrf", { method: "GET" });
  const csrfToken = (csrf.body as { csrfToken: string }).csrfToken;
  const signedIn = await nextAuth(proto, "callback", {
    method: "POST",
    providerId: "credentials",
    cookies: csrf.set,
    body: { email, password, csrfToken, json: "true" },
  });
  return { ...csrf.set, ...signedIn.set };
}

async function signOutThroughNextAuth(cookies: Record<string, string>, proto: Proto = "http") {
  const csrf = await nextAuth(proto, "csrf", { method: "GET", cookies });
  const csrfToken = (csrf.body as { csrfToken: string }).csrfToken;
  const all = { ...cookies, ...csrf.set };
  const out = await nextAuth(proto, "signout", { method: "POST", cookies: all, body: { csrfToken } });
  return out.set;
}

async function meWith(cookies: Record<string, string>) {
  return (await callerFor({ ...SAME_ORIGIN, cookie: cookieHeader(cookies) })).me.get();
}

async function expectUnauthorized(promise: Promise<unknown>, message: RegExp) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  expect(error).toMatchObject({ code: "UNAUTHORIZED", message: expect.stringMatching(message) });
}

describe("sessions", () => {
  it("ends every session at sign-out: a copy of the cookie is useless afterwards", async () => {
    const user = await createUser(engineDeps, system, { email: "signout@berth.test", password: "password-1", role: "ADMIN" });
    const browser = await signInThroughNextAuth(user.email, "password-1");
    expect(Object.keys(browser)).toContain("next-auth.session-token");
    const stolen = { "next-auth.session-token": browser["next-auth.session-token"]! };
    await expect(meWith(stolen)).resolves.toMatchObject({ user: { email: user.email } });

    const cleared = await signOutThroughNextAuth(browser);
    expect(cleared["next-auth.session-token"]).toBe("");
    await expectUnauthorized(meWith(stolen), /session has ended/);

    // A new sign-in works; the ended cookie cannot sign that new session out.
    const again = await signInThroughNextAuth(user.email, "password-1");
    await signOutThroughNextAuth(stolen);
    await expect(meWith(again)).resolves.toMatchObject({ user: { email: user.email } });
    const audit = await db.auditEvent.count({ where: { action: "user.signOut", target: user.email } });
    expect(audit).toBe(1);
  });

  it("ends existing sessions when the password changes", async () => {
    const user = await createUser(engineDeps, system, { email: "passwd@berth.test", password: "password-1", role: "VIEWER" });
    const browser = await signInThroughNextAuth(user.email, "password-1");
    await expect(meWith(browser)).resolves.toMatchObject({ user: { email: user.email } });
    await setUserPassword(engineDeps, system, { email: user.email, password: "password-2" });
    await expectUnauthorized(meWith(browser), /session has ended/);
    await expect(meWith(await signInThroughNextAuth(user.email, "password-2"))).resolves.toMatchObject({ user: { email: user.email } });
  });

  it("reads the __Secure- session cookie next-auth sets behind an HTTPS proxy", async () => {
    const user = await createUser(engineDeps, system, { email: "proxied@berth.test", password: "password-1", role: "VIEWER" });
    const browser = await signInThroughNextAuth(user.email, "password-1", "https");
    expect(Object.keys(browser)).toContain("__Secure-next-auth.session-token");
    expect(Object.keys(browser)).not.toContain("next-auth.session-token");
    await expect(meWith(browser)).resolves.toMatchObject({ user: { email: user.email } });

    // The same for a cookie minted directly, and for a request that looks like plain http.
    const jwt = await encode({
      token: { uid: user.id, role: "VIEWER", email: user.email, sub: user.id, sv: 0 },
      secret: process.env.NEXTAUTH_SECRET!,
    });
    const auth = await authenticateRequest(engineDeps, new Headers({ cookie: `__Secure-next-auth.session-token=${jwt}` }));
    expect(auth).toMatchObject({ via: "cookie", actor: { userId: user.id } });

    await signOutThroughNextAuth(browser, "https");
    await expectUnauthorized(meWith(browser), /session has ended/);
  });
});

describe("API token expiry and role", () => {
  it("creates tokens that expire, and an expired token authenticates as nobody with a clear message", async () => {
    const admin = await callerFor(ids.headers.admin);
    const before = Date.now();
    const { token, secret } = await admin.token.create({ name: "short-lived", role: "VIEWER", expiresInDays: 7 });
    expect(token.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + 7 * 86_400_000);
    expect(token.expiresAt!.getTime()).toBeLessThanOrEqual(Date.now() + 7 * 86_400_000);
    expect((await admin.token.list()).find((t) => t.id === token.id)?.expiresAt).toEqual(token.expiresAt);
    await expect((await callerFor({ authorization: `Bearer ${secret}` })).me.get()).resolves.toMatchObject({ kind: "token" });

    await db.apiToken.update({ where: { id: token.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await expectUnauthorized(
      (await callerFor({ authorization: `Bearer ${secret}` })).me.get(),
      /API token expired at .*; create a new one/,
    );

    const never = await admin.token.create({ name: "forever", role: "VIEWER" });
    expect(never.token.expiresAt).toBeNull();
    await expect(admin.token.create({ name: "zero", role: "VIEWER", expiresInDays: 0 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("never acts with more than its creator's current role, and dies with its creator", async () => {
    const creator = await createUser(engineDeps, system, { email: "token-maker@berth.test", password: "password-1", role: "ADMIN" });
    const asCreator = await callerFor({ ...SAME_ORIGIN, cookie: await sessionCookie(creator) });
    const { secret } = await asCreator.token.create({ name: "maker-admin", role: "ADMIN" });
    const asToken = () => callerFor({ authorization: `Bearer ${secret}` });
    await expect((await asToken()).user.list()).resolves.toBeInstanceOf(Array);

    const admin = await callerFor(ids.headers.admin);
    await admin.user.updateRole({ id: creator.id, role: "VIEWER" });
    await expect((await asToken()).me.get()).resolves.toMatchObject({ role: "VIEWER" });
    await expect((await asToken()).user.list()).rejects.toMatchObject({ code: "FORBIDDEN" });

    await admin.user.updateRole({ id: creator.id, role: "ADMIN" });
    await expect((await asToken()).me.get()).resolves.toMatchObject({ role: "ADMIN" });

    await admin.user.delete({ id: creator.id });
    await expectUnauthorized((await asToken()).me.get(), /Invalid or revoked API token/);
    // Tokens Berth itself made (CLI) have no creator and keep working.
    await expect((await callerFor(ids.headers.adminToken)).user.list()).resolves.toBeInstanceOf(Array);
  });

  it("a token minted by a token belongs to the same person and expires no later than its parent", async () => {
    const creator = await createUser(engineDeps, system, { email: "token-chain@berth.test", password: "password-1", role: "ADMIN" });
    const asCreator = await callerFor({ ...SAME_ORIGIN, cookie: await sessionCookie(creator) });
    const parent = await asCreator.token.create({ name: "parent", role: "ADMIN", expiresInDays: 1 });
    const child = await (await callerFor({ authorization: `Bearer ${parent.secret}` })).token.create({ name: "child", role: "ADMIN" });
    expect(child.token.expiresAt).toEqual(parent.token.expiresAt);
    const asChild = () => callerFor({ authorization: `Bearer ${child.secret}` });
    await expect((await asChild()).user.list()).resolves.toBeInstanceOf(Array);
    const admin = await callerFor(ids.headers.admin);
    await admin.user.updateRole({ id: creator.id, role: "VIEWER" });
    await expect((await asChild()).user.list()).rejects.toMatchObject({ code: "FORBIDDEN" });
    await admin.user.delete({ id: creator.id });
    await expectUnauthorized((await asChild()).me.get(), /Invalid or revoked API token/);
  });
});

/** The reason a refused sign-in sends the login form (next-auth puts it in the redirect's `error`). */
async function signInRefusal(email: string, password: string): Promise<string | null> {
  const csrf = await nextAuth("http", "csrf", { method: "GET" });
  const csrfToken = (csrf.body as { csrfToken: string }).csrfToken;
  const out = await nextAuth("http", "callback", {
    method: "POST",
    providerId: "credentials",
    cookies: csrf.set,
    body: { email, password, csrfToken, json: "true" },
  });
  expect(out.set["next-auth.session-token"]).toBeUndefined();
  const error = new URL((out.body as { url: string }).url).searchParams.get("error");
  return error ? (JSON.parse(error) as { reason: string }).reason : null;
}

const reasonOf = (e: unknown) => (e as TRPCError & { cause?: { reason?: string } }).cause?.reason;

async function refusal(promise: Promise<unknown>) {
  return promise.then(
    () => null,
    (e: unknown) => e as TRPCError,
  );
}

describe("accounts", () => {
  it("changes one's own password: wrong current refused, other sessions end, this browser signs in with the new one", async () => {
    const user = await createUser(engineDeps, system, { email: "changer@berth.test", password: "password-1", role: "VIEWER" });
    const here = await signInThroughNextAuth(user.email, "password-1");
    const elsewhere = await signInThroughNextAuth(user.email, "password-1");
    const asHere = async () => callerFor({ ...SAME_ORIGIN, cookie: cookieHeader(here) });

    const wrong = await refusal((await asHere()).me.changePassword({ currentPassword: "not-it", newPassword: "password-2" }));
    expect(wrong).toMatchObject({ code: "BAD_REQUEST", message: "The current password is wrong" });
    expect(reasonOf(wrong)).toBe("current-password-wrong");
    const short = await refusal((await asHere()).me.changePassword({ currentPassword: "password-1", newPassword: "short" }));
    expect(short).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/at least 8 characters/) });
    await expect(meWith(elsewhere)).resolves.toMatchObject({ user: { email: user.email } });

    await (await asHere()).me.changePassword({ currentPassword: "password-1", newPassword: "password-2" });
    await expectUnauthorized(meWith(elsewhere), /session has ended/);
    // What the Account form does next: it signs this browser in again with the password just set.
    const renewed = { ...here, ...(await signInThroughNextAuth(user.email, "password-2")) };
    await expect(meWith(renewed)).resolves.toMatchObject({ user: { email: user.email } });
    await expectUnauthorized(meWith(elsewhere), /session has ended/);
    expect(await signInRefusal(user.email, "password-1")).toBe("invalid-credentials");
    expect(await db.auditEvent.count({ where: { action: "user.changePassword", target: user.email } })).toBe(1);
  });

  it("backs off wrong current passwords like sign-in does, and refuses API tokens (they have no password)", async () => {
    const user = await createUser(engineDeps, system, { email: "guesser@berth.test", password: "password-1", role: "VIEWER" });
    const caller = await callerFor({ ...SAME_ORIGIN, cookie: await sessionCookie(user) });
    for (let i = 0; i < 10; i++) {
      await expect(caller.me.changePassword({ currentPassword: `guess-${i}`, newPassword: "password-2" })).rejects.toMatchObject({
        code: "BAD_REQUEST",
      });
    }
    // Blocked now, even with the right password; the login form is blocked the same way.
    await expect(caller.me.changePassword({ currentPassword: "password-1", newPassword: "password-2" })).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
    });
    expect(await signInRefusal(user.email, "password-1")).toBe("too-many-attempts");
    // An admin's reset lifts the back-off: the new password works at once.
    await (await callerFor(ids.headers.admin)).user.resetPassword({ id: user.id, newPassword: "password-3" });
    await expect(meWith(await signInThroughNextAuth(user.email, "password-3"))).resolves.toMatchObject({ user: { email: user.email } });

    const token = await refusal(
      (await callerFor(ids.headers.adminToken)).me.changePassword({ currentPassword: "x", newPassword: "password-2" }),
    );
    expect(token).toMatchObject({ code: "BAD_REQUEST" });
    expect(reasonOf(token)).toBe("password-needs-user");
  });

  it("an admin's password reset ends all of that user's sessions", async () => {
    const user = await createUser(engineDeps, system, { email: "forgetful@berth.test", password: "password-1", role: "VIEWER" });
    const one = await signInThroughNextAuth(user.email, "password-1");
    const two = await signInThroughNextAuth(user.email, "password-1");
    const admin = await callerFor(ids.headers.admin);
    await admin.user.resetPassword({ id: user.id, newPassword: "password-9" });
    await expectUnauthorized(meWith(one), /session has ended/);
    await expectUnauthorized(meWith(two), /session has ended/);
    expect(await signInRefusal(user.email, "password-1")).toBe("invalid-credentials");
    await expect(meWith(await signInThroughNextAuth(user.email, "password-9"))).resolves.toMatchObject({ user: { email: user.email } });
    await expect(admin.user.resetPassword({ id: user.id, newPassword: "short" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(admin.user.resetPassword({ id: "no-such-user", newPassword: "password-9" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await db.auditEvent.count({ where: { action: "user.resetPassword", target: user.email } })).toBe(1);
    // Not one's own: that needs the current password (me.changePassword).
    const self = await refusal(admin.user.resetPassword({ id: ids.admin.id, newPassword: "password-9" }));
    expect(self).toMatchObject({ code: "BAD_REQUEST" });
    expect(reasonOf(self)).toBe("reset-self");
  });

  it("a disabled user cannot sign in (said only after the right password), their session and tokens stop; enabling gives the tokens back", async () => {
    const user = await createUser(engineDeps, system, { email: "disabled@berth.test", password: "password-1", role: "ADMIN" });
    const browser = await signInThroughNextAuth(user.email, "password-1");
    const { secret } = await (await callerFor({ ...SAME_ORIGIN, cookie: cookieHeader(browser) })).token.create({
      name: "theirs",
      role: "ADMIN",
    });
    const asToken = async () => callerFor({ authorization: `Bearer ${secret}` });
    await expect((await asToken()).user.list()).resolves.toBeInstanceOf(Array);

    const admin = await callerFor(ids.headers.admin);
    const disabled = await admin.user.setDisabled({ id: user.id, disabled: true });
    expect(disabled.disabledAt).toBeInstanceOf(Date);
    expect((await admin.user.list()).find((u) => u.id === user.id)?.disabledAt).toEqual(disabled.disabledAt);
    await expectUnauthorized(meWith(browser), /account is disabled/);
    await expectUnauthorized((await asToken()).me.get(), /account is disabled/);
    expect(await signInRefusal(user.email, "password-1")).toBe("account-disabled");
    expect(await signInRefusal(user.email, "wrong-password")).toBe("invalid-credentials");
    // Token-authenticated HTTP routes ask the same place: 401.
    expect(await authenticateRequest(engineDeps, new Headers({ authorization: `Bearer ${secret}` }))).toMatchObject({
      via: "none",
      problem: { reason: "account-disabled" },
    });

    await admin.user.setDisabled({ id: user.id, disabled: false });
    expect((await admin.user.list()).find((u) => u.id === user.id)?.disabledAt).toBeNull();
    await expect((await asToken()).user.list()).resolves.toBeInstanceOf(Array);
    // The sessions of before stay ended; a new sign-in works.
    await expectUnauthorized(meWith(browser), /session has ended/);
    await expect(meWith(await signInThroughNextAuth(user.email, "password-1"))).resolves.toMatchObject({ user: { email: user.email } });
    const actions = await db.auditEvent.findMany({ where: { target: user.email, action: { in: ["user.disable", "user.enable"] } } });
    expect(actions.map((a) => a.action).sort()).toEqual(["user.disable", "user.enable"]);
  });
});
