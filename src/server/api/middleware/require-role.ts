import type { Role } from "~/generated/prisma/enums";
import { checkAccess } from "~/server/auth/request-actor";
import { t } from "../init";

/** Anonymous → UNAUTHORIZED, too weak a role → FORBIDDEN, cross-site cookie mutation → FORBIDDEN (map-errors sends them). */
export const requireRole = (role: Role) =>
  t.middleware(({ ctx, type, next }) => {
    const access = checkAccess(ctx.auth, role, { mutation: type === "mutation", headers: ctx.headers });
    if ("refusal" in access) throw access.refusal;
    return next({ ctx: { actor: access.actor } });
  });
