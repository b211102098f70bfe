import type { EngineDeps } from "~/server/engine/deps";
import type { Db } from "~/server/db";
import type { Role } from "~/generated/prisma/enums";
import type { Actor } from "./actor";
import { recordAudit } from "./audit";
import { badRequest, conflict, DomainError, notFound } from "./errors";
import { hashPassword } from "./passwords";
import type { Locale } from "~/shared/locales";

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: Role;
  locale: string;
  /** Set while an admin has disabled the account (accounts.ts). */
  disabledAt: Date | null;
  createdAt: Date;
}

export const userView = { id: true, email: true, name: true, role: true, locale: true, disabledAt: true, createdAt: true } as const;

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

export async function listUsers(deps: EngineDeps, _viewer: Actor): Promise<UserView[]> {
  const { db } = deps;
  return db.user.findMany({ select: userView, orderBy: { createdAt: "asc" } });
}

export async function getUser(deps: EngineDeps, _viewer: Actor, id: string): Promise<UserView> {
  const { db } = deps;
  const user = await db.user.findUnique({ where: { id }, select: userView });
  if (!user) throw notFound("user");
  return user;
}

export interface NewUser {
  email: string;
  name?: string;
  password: string;
  role: Role;
}

export async function createUser(deps: EngineDeps, actor: Actor, input: NewUser): Promise<UserView> {
  const { db } = deps;
  const email = normalizeEmail(input.email);
  assertPasswordLength(input.password);
  if (await db.user.findUnique({ where: { email } })) {
    throw conflict(`A user with email ${email} already exists`, { reason: "user-exists", params: { email } });
  }
  const user = await db.user.create({
    data: {
      email,
      name: input.name?.trim() || email.split("@")[0]!,
      passwordHash: await hashPassword(input.password),
      role: input.role,
    },
    select: userView,
  });
  await recordAudit(db, actor, { action: "user.create", target: email, outcome: "success", detail: { role: input.role } });
  return user;
}

// Refuses any change that would leave the instance without an administrator who can sign in:
// a disabled admin does not count.
/** Held around every check-then-change of an admin: two admins demoting or disabling each other at once cannot both pass. */
export const ADMINS_LOCK = "users:admins";

export async function assertAnotherAdminRemains(db: Db, userId: string) {
  const admins = await db.user.count({ where: { role: "ADMIN", disabledAt: null, id: { not: userId } } });
  if (admins === 0) throw new DomainError("PRECONDITION_FAILED", "Berth needs at least one administrator", { reason: "last-admin" });
}

export async function updateUserRole(deps: EngineDeps, actor: Actor, input: { id: string; role: Role }): Promise<UserView> {
  const { db } = deps;
  const { id, role } = input;
  return deps.locks.run(ADMINS_LOCK, async () => {
    const user = await getUser(deps, actor, id);
    if (user.role === "ADMIN" && !user.disabledAt && role !== "ADMIN") await assertAnotherAdminRemains(db, id);
    const updated = await db.user.update({ where: { id }, data: { role }, select: userView });
    await recordAudit(db, actor, { action: "user.updateRole", target: user.email, outcome: "success", detail: { role } });
    return updated;
  });
}

export async function deleteUser(deps: EngineDeps, actor: Actor, id: string): Promise<void> {
  await deps.locks.run(ADMINS_LOCK, () => deleteUserLocked(deps, actor, id));
}

async function deleteUserLocked(deps: EngineDeps, actor: Actor, id: string): Promise<void> {
  const { db } = deps;
  const user = await getUser(deps, actor, id);
  if (actor.kind === "user" && actor.userId === id) throw badRequest("You cannot delete your own account", { reason: "delete-self" });
  if (user.role === "ADMIN" && !user.disabledAt) await assertAnotherAdminRemains(db, id);
  // The schema keeps a token whose creator is gone (createdById becomes null, like a CLI
  // token's): revoke them first, so a token never outlives the account it acts for.
  const revoked = await db.$transaction(async (tx) => {
    const tokens = await tx.apiToken.updateMany({ where: { createdById: id, revokedAt: null }, data: { revokedAt: deps.clock.now() } });
    await tx.user.delete({ where: { id } });
    return tokens.count;
  });
  await recordAudit(db, actor, { action: "user.delete", target: user.email, outcome: "success", detail: { revokedTokens: revoked } });
}

/** The CLI names users by e-mail; the engine's account functions take the id. */
export async function userIdByEmail(deps: EngineDeps, email: string): Promise<string> {
  const user = await deps.db.user.findUnique({ where: { email: normalizeEmail(email) }, select: { id: true } });
  if (!user) throw notFound("user");
  return user.id;
}

export function assertPasswordLength(password: string) {
  if (password.length < 8) throw badRequest("Password must be at least 8 characters", { reason: "password-too-short", params: { min: 8 } });
}

/** Stores a new password and ends every session signed in before it (request-actor.ts). */
export async function replacePassword(db: Db, userId: string, password: string): Promise<void> {
  assertPasswordLength(password);
  await db.user.update({
    where: { id: userId },
    // A new password also lifts the account's sign-in back-off: the admin who reset it, or the
    // user who proved the old one, means the next sign-in to work.
    data: { passwordHash: await hashPassword(password), sessionVersion: { increment: 1 }, failedSignIns: 0, signInBlockedUntil: null },
  });
}

export async function setUserPassword(deps: EngineDeps, actor: Actor, input: { email: string; password: string }): Promise<void> {
  const { db } = deps;
  assertPasswordLength(input.password);
  const id = await userIdByEmail(deps, input.email);
  await replacePassword(db, id, input.password);
  await recordAudit(db, actor, { action: "user.setPassword", target: normalizeEmail(input.email), outcome: "success" });
}

/** The version a new session is stamped with; a session with another one has ended. */
export async function currentSessionVersion(db: Db, userId: string): Promise<number> {
  const user = await db.user.findUnique({ where: { id: userId }, select: { sessionVersion: true } });
  if (!user) throw notFound("user");
  return user.sessionVersion;
}

/**
 * Sign-out: ends every session of the user, so a copy of the cookie (stolen, or on another
 * device) stops working too. Only a session that is still current may do it: a cookie that
 * has already ended cannot sign the user out again.
 */
export async function endSessions(deps: EngineDeps, actor: Actor, input: { userId: string; sessionVersion: number }): Promise<boolean> {
  const { db } = deps;
  const { userId, sessionVersion } = input;
  const { count } = await db.user.updateMany({ where: { id: userId, sessionVersion }, data: { sessionVersion: { increment: 1 } } });
  if (count > 0) await recordAudit(db, actor, { action: "user.signOut", target: actor.label, outcome: "success" });
  return count > 0;
}

export async function setUserLocale(deps: EngineDeps, actor: Actor, locale: Locale): Promise<void> {
  const { db } = deps;
  if (actor.kind !== "user") throw badRequest("Only signed-in users have a saved language", { reason: "locale-needs-user" });
  await db.user.update({ where: { id: actor.userId }, data: { locale } });
}

/** First start: create the admin from env when the instance has no user yet. */
export async function seedFirstAdmin(
  deps: EngineDeps,
  seed: { email?: string; password?: string },
): Promise<"created" | "exists" | "missing-env"> {
  const { db } = deps;
  if ((await db.user.count()) > 0) return "exists";
  if (!seed.email || !seed.password) return "missing-env";
  await createUser(
    deps,
    { kind: "system", label: "berth:seed", role: "ADMIN" },
    {
      email: seed.email,
      password: seed.password,
      role: "ADMIN",
    },
  );
  return "created";
}
