import { createHash } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { beforeAll, describe, expect, it } from "vitest";
import { engineDeps } from "~/server/engine-deps";
import { db } from "~/server/db";
import { systemActor } from "~/server/engine/actor";
import { createApiToken } from "~/server/engine/api-tokens";
import { createSignInLimiter, signIn } from "~/server/engine/sign-in";
import { setUserDisabled } from "~/server/engine/accounts";
import { createUser, deleteUser, updateUserRole } from "~/server/engine/users";
import { callerFor, createIdentities, SAME_ORIGIN, sessionCookie } from "../support/identities";
import { allProcedurePaths, runRoleMatrix, type MatrixEntry } from "../support/role-matrix";

const system = systemActor("test");
let ids: Awaited<ReturnType<typeof createIdentities>>;

beforeAll(async () => {
  ids = await createIdentities(engineDeps);
});

async function expectTrpcError(promise: Promise<unknown>, code: TRPCError["code"], message?: RegExp) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code).toBe(code);
  if (message) expect((error as TRPCError).message).toMatch(message);
  return error as TRPCError;
}

describe("sign-in", () => {
  it("accepts the right password and refuses a wrong one or an unknown email with the same message", async () => {
    const limiter = createSignInLimiter();
    await createUser(engineDeps, system, { email: "Signin@Berth.test", password: "right-password", role: "VIEWER" });
    const user = await signIn(
      { ...engineDeps, signInLimiter: limiter },
      { email: "signin@berth.test", password: "right-password", address: "10.0.0.1" },
    );
    expect(user.email).toBe("signin@berth.test");
    expect(user).not.toHaveProperty("passwordHash");
    await expect(
      signIn({ ...engineDeps, signInLimiter: limiter }, { email: "signin@berth.test", password: "wrong", address: "10.0.0.1" }),
    ).rejects.toThrow("Invalid email or password");
    await expect(
      signIn({ ...engineDeps, signInLimiter: limiter }, { email: "nobody@berth.test", password: "wrong", address: "10.0.0.1" }),
    ).rejects.toThrow("Invalid email or password");
  });

  it("locks an account+address after 5 failures, even for the right password, but not other addresses", async () => {
    const limiter = createSignInLimiter();
    await createUser(engineDeps, system, { email: "limited@berth.test", password: "right-password", role: "VIEWER" });
    const attempt = (password: string, address = "10.0.0.2") =>
      signIn({ ...engineDeps, signInLimiter: limiter }, { email: "limited@berth.test", password, address });
    for (let i = 0; i < 5; i++) await expect(attempt("wrong")).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(attempt("right-password")).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
      message: expect.stringMatching(/Too many failed sign-in attempts\. Try again in 15 minutes\./),
    });
    await expect(attempt("right-password", "10.0.0.3")).resolves.toMatchObject({ email: "limited@berth.test" });
  });

  it("limits one address spraying many accounts", async () => {
    const limiter = createSignInLimiter({ perAccount: 5, perAddress: 3 });
    for (let i = 0; i < 3; i++) {
      await expect(
        signIn({ ...engineDeps, signInLimiter: limiter }, { email: `spray${i}@berth.test`, password: "x", address: "10.0.0.9" }),
      ).rejects.toMatchObject({
        code: "UNAUTHORIZED",
      });
    }
    await expect(
      signIn({ ...engineDeps, signInLimiter: limiter }, { email: "spray9@berth.test", password: "x", address: "10.0.0.9" }),
    ).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
    });
  });

  it("clears the account's failures after a success", async () => {
    const limiter = createSignInLimiter();
    await createUser(engineDeps, system, { email: "reset@berth.test", password: "right-password", role: "VIEWER" });
    const attempt = (password: string) =>
      signIn({ ...engineDeps, signInLimiter: limiter }, { email: "reset@berth.test", password, address: "10.0.0.4" });
    for (let i = 0; i < 4; i++) await expect(attempt("wrong")).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await attempt("right-password");
    for (let i = 0; i < 4; i++) await expect(attempt("wrong")).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(attempt("right-password")).resolves.toBeTruthy();
  });
});

describe("role matrix", () => {
  let n = 0;
  const unique = () => `m${++n}-${Date.now()}`;
  const entries: Record<string, MatrixEntry> = {
    "me.get": { role: "VIEWER", input: () => undefined },
    "me.setLocale": { role: "VIEWER", input: () => ({ locale: "ru" }) },
    // A wrong current password: a right one would end the identity's session for the next rows.
    "me.changePassword": { role: "VIEWER", input: () => ({ currentPassword: "not-the-password", newPassword: "password-2" }) },
    "system.status": { role: "VIEWER", input: () => undefined },
    "user.list": { role: "ADMIN", input: () => undefined },
    "user.create": { role: "ADMIN", input: () => ({ email: `${unique()}@berth.test`, password: "password-1", role: "VIEWER" }) },
    "user.updateRole": {
      role: "ADMIN",
      input: async () => ({
        id: (await createUser(engineDeps, system, { email: `${unique()}@berth.test`, password: "password-1", role: "VIEWER" })).id,
        role: "ADMIN",
      }),
    },
    "user.delete": {
      role: "ADMIN",
      input: async () => ({
        id: (await createUser(engineDeps, system, { email: `${unique()}@berth.test`, password: "password-1", role: "VIEWER" })).id,
      }),
    },
    "user.resetPassword": {
      role: "ADMIN",
      input: async () => ({
        id: (await createUser(engineDeps, system, { email: `${unique()}@berth.test`, password: "password-1", role: "VIEWER" })).id,
        newPassword: "password-2",
      }),
    },
    "user.setDisabled": {
      role: "ADMIN",
      input: async () => ({
        id: (await createUser(engineDeps, system, { email: `${unique()}@berth.test`, password: "password-1", role: "VIEWER" })).id,
        disabled: true,
      }),
    },
    "token.list": { role: "ADMIN", input: () => undefined },
    "token.create": { role: "ADMIN", input: () => ({ name: unique(), role: "VIEWER" }) },
    "token.revoke": {
      role: "ADMIN",
      input: async () => ({ id: (await createApiToken(engineDeps, system, { name: unique(), role: "VIEWER" })).token.id }),
    },
  };

  it("covers every account and system procedure (workloads, snapshots and schedules tests cover the rest)", () => {
    const mine = allProcedurePaths().filter((p) => /^(me|user|token|system)\./.test(p));
    expect(Object.keys(entries).sort()).toEqual(mine);
    const others = allProcedurePaths().filter((p) => !mine.includes(p));
    expect(
      others.every((p) => /^(workload|project|stage|snapshot|schedule|retention|dashboard|alertTarget|storageTarget)\./.test(p)),
      `unowned procedures: ${others}`,
    ).toBe(true);
  });

  it("gives each identity the expected outcome on every procedure", async () => {
    const outcomes = await runRoleMatrix(entries, ids.headers);
    // Allowed calls really succeed (not only "passed auth"), except a token's locale.
    const userOnly = ["me.setLocale", "me.changePassword"];
    for (const [path, byIdentity] of Object.entries(outcomes)) {
      if (path !== "me.changePassword") expect(byIdentity.admin.ok, `${path} as admin`).toBe(true);
      if (!userOnly.includes(path)) expect(byIdentity.adminToken.ok, `${path} as admin token`).toBe(true);
      if (entries[path]!.role === "VIEWER" && !userOnly.includes(path)) expect(byIdentity.viewerToken.ok).toBe(true);
    }
    expect(outcomes["me.setLocale"]!.adminToken).toMatchObject({ ok: false, code: "BAD_REQUEST" });
    // Signed-in users reach the password check; tokens are told they have no password.
    for (const name of ["admin", "viewer"] as const) {
      expect(outcomes["me.changePassword"]![name]).toMatchObject({
        ok: false,
        code: "BAD_REQUEST",
        message: "The current password is wrong",
      });
    }
    for (const name of ["adminToken", "viewerToken"] as const) {
      expect(outcomes["me.changePassword"]![name]).toMatchObject({
        ok: false,
        code: "BAD_REQUEST",
        message: expect.stringMatching(/API token has none/),
      });
    }
  });

  it("takes a role change or a deleted user into account at once, whatever the session says", async () => {
    const demoted = await createUser(engineDeps, system, { email: "demoted@berth.test", password: "password-1", role: "ADMIN" });
    const headers = { ...SAME_ORIGIN, cookie: await sessionCookie(demoted) };
    await (await callerFor(ids.headers.admin)).user.updateRole({ id: demoted.id, role: "VIEWER" });
    await expectTrpcError((await callerFor(headers)).user.list(), "FORBIDDEN");
    await (await callerFor(ids.headers.admin)).user.delete({ id: demoted.id });
    await expectTrpcError((await callerFor(headers)).me.get(), "UNAUTHORIZED", /no longer exists/);
  });

  it("refuses an unknown or malformed bearer token with a clear message", async () => {
    await expectTrpcError(
      (await callerFor({ authorization: "Bearer berth_nope" })).me.get(),
      "UNAUTHORIZED",
      /Invalid or revoked API token/,
    );
    await expectTrpcError((await callerFor({ authorization: "Basic abc" })).me.get(), "UNAUTHORIZED", /Malformed Authorization/);
  });

  it("refuses a forged session cookie", async () => {
    const forged = `${ids.headers.admin.cookie!.slice(0, -4)}AAAA`;
    await expectTrpcError((await callerFor({ ...SAME_ORIGIN, cookie: forged })).me.get(), "UNAUTHORIZED");
  });
});

describe("cross-site protection", () => {
  it("refuses cookie-authenticated mutations from another site", async () => {
    const cookie = ids.headers.admin.cookie!;
    const crossOrigin = await callerFor({ cookie, host: "berth.test:3000", origin: "http://evil.example" });
    await expectTrpcError(crossOrigin.token.create({ name: "x", role: "VIEWER" }), "FORBIDDEN", /Cross-site/);
    const crossSite = await callerFor({ cookie, host: "berth.test:3000", "sec-fetch-site": "cross-site" });
    await expectTrpcError(crossSite.user.create({ email: "x@berth.test", password: "password-1", role: "VIEWER" }), "FORBIDDEN");
    // Queries are not state-changing, and a same-origin mutation passes.
    await expect(crossOrigin.token.list()).resolves.toBeInstanceOf(Array);
    await expect((await callerFor(ids.headers.admin)).me.setLocale({ locale: "en" })).resolves.toBeUndefined();
  });

  it("lets bearer-token mutations through whatever the Origin (tokens are not ambient credentials)", async () => {
    const caller = await callerFor({ ...ids.headers.adminToken, origin: "http://elsewhere.example" });
    await expect(caller.token.create({ name: "from-script", role: "VIEWER" })).resolves.toHaveProperty("secret");
  });
});

describe("API tokens", () => {
  it("never stores the secret in clear and records when a token is used", async () => {
    const { token, secret } = await (await callerFor(ids.headers.admin)).token.create({ name: "at-rest", role: "VIEWER" });
    const rows = await db.$queryRawUnsafe<Record<string, unknown>[]>(`SELECT * FROM "ApiToken" WHERE "id" = ?`, token.id);
    expect(rows).toHaveLength(1);
    for (const value of Object.values(rows[0]!)) expect(String(value)).not.toContain(secret.slice(6));
    expect(rows[0]!.secretHash).toBe(createHash("sha256").update(secret).digest("hex"));
    expect(rows[0]!.lastUsedAt).toBeNull();

    await (await callerFor({ authorization: `Bearer ${secret}` })).me.get();
    const used = await db.apiToken.findUniqueOrThrow({ where: { id: token.id } });
    expect(used.lastUsedAt).toBeInstanceOf(Date);
    const listed = await (await callerFor(ids.headers.admin)).token.list();
    expect(JSON.stringify(listed)).not.toContain("secretHash");
  });
});

describe("input and error handling", () => {
  it("answers malformed input with BAD_REQUEST and the zod message", async () => {
    const error = await expectTrpcError(
      (await callerFor(ids.headers.admin)).user.create({ email: "not-an-email", password: "short", role: "VIEWER" }),
      "BAD_REQUEST",
    );
    expect(error.message).toMatch(/email/i);
    expect(error.message).toMatch(/at least 8 characters/);
  });

  it("keeps the last admin", async () => {
    const caller = await callerFor(ids.headers.admin);
    const admins = (await caller.user.list()).filter((u) => u.role === "ADMIN");
    for (const other of admins.filter((u) => u.id !== ids.admin.id)) await caller.user.delete({ id: other.id });
    await expectTrpcError(
      caller.user.updateRole({ id: ids.admin.id, role: "VIEWER" }),
      "PRECONDITION_FAILED",
      /at least one administrator/,
    );
    await expectTrpcError(caller.user.delete({ id: ids.admin.id }), "BAD_REQUEST", /your own account/);
    await expectTrpcError(caller.user.delete({ id: "no-such-user" }), "NOT_FOUND");
  });

  it("counts only enabled admins: the last one cannot be disabled, demoted or deleted; a disabled admin can go", async () => {
    const caller = await callerFor(ids.headers.admin);
    const admins = (await caller.user.list()).filter((u) => u.role === "ADMIN");
    for (const other of admins.filter((u) => u.id !== ids.admin.id)) await caller.user.delete({ id: other.id });
    const second = await createUser(engineDeps, system, { email: "second-admin@berth.test", password: "password-1", role: "ADMIN" });
    await expectTrpcError(caller.user.setDisabled({ id: ids.admin.id, disabled: true }), "BAD_REQUEST", /disable your own account/);

    await caller.user.setDisabled({ id: second.id, disabled: true });
    // The CLI (a system actor) may disable anyone, but not the last enabled admin.
    await expect(setUserDisabled(engineDeps, system, { id: ids.admin.id, disabled: true })).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      reason: "last-admin",
    });
    await expect(updateUserRole(engineDeps, system, { id: ids.admin.id, role: "VIEWER" })).rejects.toMatchObject({ reason: "last-admin" });
    await expect(deleteUser(engineDeps, system, ids.admin.id)).rejects.toMatchObject({ reason: "last-admin" });
    expect((await caller.user.list()).find((u) => u.id === ids.admin.id)).toMatchObject({ role: "ADMIN", disabledAt: null });

    // Enabled again, the second admin counts: the first may be demoted (and promoted back).
    await caller.user.setDisabled({ id: second.id, disabled: false });
    await expect(updateUserRole(engineDeps, system, { id: ids.admin.id, role: "VIEWER" })).resolves.toMatchObject({ role: "VIEWER" });
    await updateUserRole(engineDeps, system, { id: ids.admin.id, role: "ADMIN" });
    // A disabled admin leaves the enabled count unchanged: it may be deleted even when it is one of two.
    await caller.user.setDisabled({ id: second.id, disabled: true });
    await caller.user.delete({ id: second.id });
    expect((await caller.user.list()).some((u) => u.id === second.id)).toBe(false);
  });

  it("lets only one of two admins who disable (or demote) each other at the same moment succeed", async () => {
    const caller = await callerFor(ids.headers.admin);
    for (const other of (await caller.user.list()).filter((u) => u.role === "ADMIN" && u.id !== ids.admin.id)) {
      await caller.user.delete({ id: other.id });
    }
    const a = await createUser(engineDeps, system, { email: "race-a@berth.test", password: "password-1", role: "ADMIN" });
    const b = await createUser(engineDeps, system, { email: "race-b@berth.test", password: "password-1", role: "ADMIN" });
    const asUser = (u: { id: string; email: string }) => ({ kind: "user" as const, userId: u.id, label: u.email, role: "ADMIN" as const });
    // Three admins; the first one steps aside (a demotion: disabling would end its session), so a and b are the only ones.
    await updateUserRole(engineDeps, system, { id: ids.admin.id, role: "VIEWER" });
    const outcomes = await Promise.allSettled([
      setUserDisabled(engineDeps, asUser(a), { id: b.id, disabled: true }),
      updateUserRole(engineDeps, asUser(b), { id: a.id, role: "VIEWER" }),
    ]);
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    expect(outcomes.find((o) => o.status === "rejected")).toMatchObject({ reason: { reason: "last-admin" } });
    expect(await db.user.count({ where: { role: "ADMIN", disabledAt: null } })).toBe(1);
    await updateUserRole(engineDeps, system, { id: ids.admin.id, role: "ADMIN" });
    for (const u of [a, b]) await deleteUser(engineDeps, system, u.id).catch(() => undefined);
  });

  it("logs internal failures and sends the client only a generic message", async () => {
    const caller = await callerFor(ids.headers.admin);
    await db.$executeRawUnsafe(`ALTER TABLE "AuditEvent" RENAME TO "AuditEventGone"`);
    try {
      const error = await expectTrpcError(caller.token.create({ name: "breaks", role: "VIEWER" }), "INTERNAL_SERVER_ERROR");
      expect(error.message).toMatch(/^Internal error \(request [0-9a-f-]+\); details are in the server log$/);
      expect(error.message).not.toMatch(/AuditEvent|SQL|sqlite/i);
    } finally {
      await db.$executeRawUnsafe(`ALTER TABLE "AuditEventGone" RENAME TO "AuditEvent"`);
    }
  });
});
