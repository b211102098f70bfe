import type { Role } from "~/generated/prisma/enums";
import type { ErrorParams, ErrorReason } from "~/shared/error-reasons";
import { authenticateRequest, checkAccess } from "../auth/request-actor";
import type { EngineDeps } from "../engine/deps";
import { engineDeps } from "../engine-deps";
import type { Actor } from "../engine/actor";
import { DomainError, domainErrorHttpStatus } from "../engine/errors";
import { logger } from "../logger";

/** `reason` and `params` (when known) say `message` as a code a client can translate. */
export const jsonError = (status: number, code: string, message: string, because?: { reason?: ErrorReason; params?: ErrorParams }) =>
  Response.json(
    { error: { code, message, ...(because?.reason ? { reason: because.reason, params: because.params ?? {} } : {}) } },
    { status, headers: { "Cache-Control": "no-store" } },
  );

/**
 * The route-handler twin of the tRPC context and role middleware: 401 anonymous, 403 too weak
 * or cross-site; otherwise the actor and the server's engine deps, for the one engine call.
 */
export async function requireRouteRole(
  req: Request,
  role: Role,
  opts: { mutation: boolean },
): Promise<{ deps: EngineDeps; actor: Actor } | Response> {
  const deps = engineDeps;
  const auth = await authenticateRequest(deps, req.headers);
  const access = checkAccess(auth, role, { mutation: opts.mutation, headers: req.headers });
  if ("refusal" in access) return errorResponse(access.refusal, {});
  return { deps, actor: access.actor };
}

/** DomainErrors keep their message; anything else is logged and answered generically. */
export function errorResponse(error: unknown, requestContext: Record<string, unknown>): Response {
  if (error instanceof DomainError) return jsonError(domainErrorHttpStatus[error.code], error.code, error.message, error);
  const requestId = crypto.randomUUID();
  logger.error({ err: error, requestId, ...requestContext }, "route handler failed");
  return jsonError(500, "INTERNAL_SERVER_ERROR", `Internal error (request ${requestId}); details are in the server log`);
}
