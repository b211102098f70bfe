import { createHash, randomBytes } from "node:crypto";
import type { Db } from "../db";
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
}

export async function listApiTokens(db: Db): Promise<ApiTokenView[]> {
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
  db: Db,
  actor: Actor,
  input: { name: string; role: Role },
): Promise<{ token: ApiTokenView; secret: string }> {
  const name = input.name.trim();
  if (!name) throw badRequest("Token name is required");
  const secret = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  const row = await db.apiToken.create({
    data: {
      name,
      role: input.role,
      secretHash: hashSecret(secret),
      createdById: actor.kind === "user" ? actor.userId : null,
    },
  });
  await recordAudit(db, actor, { action: "token.create", target: name, outcome: "success", detail: { role: input.role } });
  const { secretHash: _hash, createdById: _by, ...token } = row;
  return { token: { ...token, createdBy: actor.kind === "user" ? actor.label : null }, secret };
}

export async function revokeApiToken(db: Db, actor: Actor, id: string): Promise<void> {
  const row = await db.apiToken.findUnique({ where: { id } });
  if (!row) throw notFound("API token");
  if (!row.revokedAt) await db.apiToken.update({ where: { id }, data: { revokedAt: new Date() } });
  await recordAudit(db, actor, { action: "token.revoke", target: row.name, outcome: "success" });
}

/** Resolves a bearer secret to an actor, or null for unknown and revoked tokens. */
export async function authenticateApiToken(db: Db, secret: string): Promise<Actor | null> {
  if (!secret.startsWith(TOKEN_PREFIX)) return null;
  const row = await db.apiToken.findUnique({ where: { secretHash: hashSecret(secret) } });
  if (!row || row.revokedAt) return null;
  await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
  return { kind: "token", tokenId: row.id, label: `token:${row.name}`, role: row.role };
}
