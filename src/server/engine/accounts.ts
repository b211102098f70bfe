import type { EngineDeps } from "~/server/engine/deps";
import type { Db } from "~/server/db";
import type { Actor } from "./actor";
import { recordAudit } from "./audit";
import { badRequest } from "./errors";
import { verifyOwnPassword } from "./sign-in";
import { ADMINS_LOCK, assertAnotherAdminRemains, assertPasswordLength, getUser, replacePassword, type UserView, userView } from "./users";

/**
 * A user changes their own password. Every session signed in before it ends (the version
 * bump); the browser that changed it signs in again with the new password (account-section).
 */
export async function changeOwnPassword(
  deps: EngineDeps,
  actor: Actor,
  input: { currentPassword: string; newPassword: string },
): Promise<void> {
  const { db } = deps;
  if (actor.kind !== "user") {
    throw badRequest("Only a signed-in user can change their password; an API token has none", { reason: "password-needs-user" });
  }
  assertPasswordLength(input.newPassword);
  await verifyOwnPassword(deps, actor.userId, input.currentPassword);
  await replacePassword(db, actor.userId, input.newPassword);
  await recordAudit(db, actor, { action: "user.changePassword", target: actor.label, outcome: "success" });
}

/** An admin sets another user's password; all of that user's sessions end. */
export async function resetUserPassword(deps: EngineDeps, actor: Actor, input: { id: string; newPassword: string }): Promise<void> {
  const { db } = deps;
  assertPasswordLength(input.newPassword);
  const user = await getUser(deps, actor, input.id);
  // One's own password changes only with the current one (changeOwnPassword), even for an admin.
  if (actor.kind === "user" && actor.userId === user.id) {
    throw badRequest("Use Change password for your own account; it asks for the current password", { reason: "reset-self" });
  }
  await replacePassword(db, user.id, input.newPassword);
  await recordAudit(db, actor, { action: "user.resetPassword", target: user.email, outcome: "success" });
}

/**
 * Disabling refuses sign-in, ends the user's sessions (the version bump, so re-enabling does
 * not revive them) and stops their API tokens while it lasts (request-actor.ts); re-enabling
 * gives the tokens back, the sessions stay ended.
 */
export async function setUserDisabled(deps: EngineDeps, actor: Actor, input: { id: string; disabled: boolean }): Promise<UserView> {
  return deps.locks.run(ADMINS_LOCK, () => setUserDisabledLocked(deps, actor, input));
}

async function setUserDisabledLocked(deps: EngineDeps, actor: Actor, input: { id: string; disabled: boolean }): Promise<UserView> {
  const { db } = deps;
  const user = await getUser(deps, actor, input.id);
  if (input.disabled) {
    if (actor.kind === "user" && actor.userId === user.id)
      throw badRequest("You cannot disable your own account", { reason: "disable-self" });
    if (user.role === "ADMIN") await assertAnotherAdminRemains(db, user.id);
  }
  if (Boolean(user.disabledAt) === input.disabled) return user;
  const updated = await db.user.update({
    where: { id: user.id },
    data: input.disabled ? { disabledAt: deps.clock.now(), sessionVersion: { increment: 1 } } : { disabledAt: null },
    select: userView,
  });
  await recordAudit(db, actor, { action: input.disabled ? "user.disable" : "user.enable", target: user.email, outcome: "success" });
  return updated;
}

/** Whether an API token acts for a disabled account (tokens Berth made itself have no creator). */
export async function tokenOwnerDisabled(db: Db, tokenId: string): Promise<boolean> {
  const token = await db.apiToken.findUnique({ where: { id: tokenId }, select: { createdBy: { select: { disabledAt: true } } } });
  return Boolean(token?.createdBy?.disabledAt);
}
