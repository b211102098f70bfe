import { createHash, randomBytes } from "node:crypto";
import type { EngineDeps } from "~/server/engine/deps";
import type { Because } from "~/shared/error-reasons";
import type { Role } from "~/generated/prisma/enums";
import type { Actor } from "./actor";
import { recordAudit } from "./audit";
import { badRequest, notFound } from "./errors";

const TOKEN_PREFIX = "berth_";

// The secret has 256 random bits, so a fast hash is enough: no one can brute-force it,
// and a lookup by hash needs no per-row salt.
const hashSecret = (secret: string) => createHash("sha256").update(secret).digest("hex");

export interface ApiTokenView {
  id: string;
  name: string;
  role: Role;
  createdBy: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  expiresAt: Date | null;
}

/** Why a request cannot act: English for API clients and logs, a reason for the UI. */
export type AuthProblem = { message: string } & Because;

export const MAX_TOKEN_DAYS = 3650;
const DAY_MS = 24 * 60 * 60 * 1000;

export async function listApiTokens(deps: EngineDeps, _viewer: Actor): Promise<ApiTokenView[]> {
  const { db } = deps;
  const rows = await db.apiToken.findMany({
    orderBy: { createdAt: "desc" },
    include: { createdBy: { select: { email: true } } },
  });
  return rows.map(({ secretHash: _hash, createdById: _by, createdBy, ...row }) => ({
    ...row,
    createdBy: createdBy?.email ?? null,
  }));
}

export async function createApiToken(
  deps: EngineDeps,
  actor: Actor,
  input: { name: string; role: Role; expiresInDays?: number },
): Promise<{ token: ApiTokenView; secret: string }> {
  const { db } = deps;
  const name = input.name.trim();
  if (!name) throw badRequest("Token name is required", { reason: "token-name-required" });
  const days = input.expiresInDays;
  if (days !== undefined && !(Number.isInteger(days) && days >= 1 && days <= MAX_TOKEN_DAYS)) {
    throw badRequest(`A token expires after 1 to ${MAX_TOKEN_DAYS} days, or never`, {
      reason: "token-expiry-range",
      params: { max: MAX_TOKEN_DAYS },
    });
  }
  let createdById = actor.kind === "user" ? actor.userId : null;
  let expiresAt = days === undefined ? null : new Date(Date.now() + days * DAY_MS);
  if (actor.kind === "token") {
    // A token minted by a token belongs to the same person and dies no later than its parent:
    // otherwise it would outlive the parent's expiry and its creator's role or account.
    const parent = await db.apiToken.findUniqueOrThrow({ where: { id: actor.tokenId } });
    createdById = parent.createdById;
    if (parent.expiresAt && (!expiresAt || expiresAt > parent.expiresAt)) expiresAt = parent.expiresAt;
  }
  const secret = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  const row = await db.apiToken.create({
    data: { name, role: input.role, secretHash: hashSecret(secret), createdById, expiresAt },
  });
  await recordAudit(db, actor, {
    action: "token.create",
    target: name,
    outcome: "success",
    detail: { role: input.role, expiresInDays: days ?? null },
  });
  const { secretHash: _hash, createdById: _by, ...token } = row;
  return { token: { ...token, createdBy: actor.kind === "user" ? actor.label : null }, secret };
}

export async function revokeApiToken(deps: EngineDeps, actor: Actor, id: string): Promise<void> {
  const { db } = deps;
  const row = await db.apiToken.findUnique({ where: { id } });
  if (!row) throw notFound("apiToken");
  if (!row.revokedAt) await db.apiToken.update({ where: { id }, data: { revokedAt: new Date() } });
  await recordAudit(db, actor, { action: "token.revoke", target: row.name, outcome: "success" });
}

/**
 * Resolves a bearer secret to an actor, or says why it cannot act. A token acts with at most
 * its creator's current role; tokens made by Berth itself (the CLI) have no creator. A deleted
 * user's tokens are revoked with the account (users.ts deleteUser).
 */
export async function authenticateApiToken(deps: EngineDeps, secret: string): Promise<{ actor: Actor } | { problem: AuthProblem }> {
  const { db } = deps;
  const invalid = { problem: { message: "Invalid or revoked API token", reason: "token-invalid" } as const };
  if (!secret.startsWith(TOKEN_PREFIX)) return invalid;
  const row = await db.apiToken.findUnique({
    where: { secretHash: hashSecret(secret) },
    include: { createdBy: { select: { role: true } } },
  });
  if (!row || row.revokedAt) return invalid;
  const now = new Date();
  if (row.expiresAt && row.expiresAt <= now) {
    const at = row.expiresAt.toISOString();
    return { problem: { message: `This API token expired at ${at}; create a new one`, reason: "token-expired", params: { at } } };
  }
  await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  const role: Role = row.createdBy?.role === "VIEWER" ? "VIEWER" : row.role;
  return { actor: { kind: "token", tokenId: row.id, label: `token:${row.name}`, role } };
}
