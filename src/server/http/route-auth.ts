import type { Role } from "~/generated/prisma/enums";
import { authenticateRequest, isSameOrigin } from "../auth/request-actor";
import { db } from "../db";
import type { Actor } from "../engine/actor";
import { DomainError, domainErrorHttpStatus } from "../engine/errors";
import { logger } from "../logger";

const rank: Record<Role, number> = { VIEWER: 1, ADMIN: 2 };

export const jsonError = (status: number, code: string, message: string) =>
  Response.json({ error: { code, message } }, { status, headers: { "Cache-Control": "no-store" } });

/** The route-handler twin of the tRPC role middleware: 401 anonymous, 403 too weak or cross-site. */
export async function requireRouteRole(req: Request, role: Role, opts: { mutation: boolean }): Promise<Actor | Response> {
  const auth = await authenticateRequest(db, req.headers);
  if (!auth.actor) return jsonError(401, "UNAUTHORIZED", auth.via === "none" && auth.problem ? auth.problem : "Sign in first");
  if (rank[auth.actor.role] < rank[role]) return jsonError(403, "FORBIDDEN", `This action needs the ${role.toLowerCase()} role`);
  if (opts.mutation && auth.via === "cookie" && !isSameOrigin(req.headers)) return jsonError(403, "FORBIDDEN", "Cross-site request refused");
  return auth.actor;
}

/** DomainErrors keep their message; anything else is logged and answered generically. */
export function errorResponse(error: unknown, requestContext: Record<string, unknown>): Response {
  if (error instanceof DomainError) return jsonError(domainErrorHttpStatus[error.code], error.code, error.message);
  const requestId = crypto.randomUUID();
  logger.error({ err: error, requestId, ...requestContext }, "route handler failed");
  return jsonError(500, "INTERNAL_SERVER_ERROR", `Internal error (request ${requestId}); details are in the server log`);
}
