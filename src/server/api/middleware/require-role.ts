import { TRPCError } from "@trpc/server";
import type { Role } from "~/generated/prisma/enums";
import { isSameOrigin } from "../../auth/request-actor";
import { t } from "../init";

const rank: Record<Role, number> = { VIEWER: 1, ADMIN: 2 };

/** Anonymous → UNAUTHORIZED, too weak a role → FORBIDDEN, cross-site cookie mutation → FORBIDDEN. */
export const requireRole = (role: Role) =>
  t.middleware(({ ctx, type, next }) => {
    const { auth } = ctx;
    if (!auth.actor) {
      throw new TRPCError({ code: "UNAUTHORIZED", message: auth.via === "none" && auth.problem ? auth.problem : "Sign in first" });
    }
    if (rank[auth.actor.role] < rank[role]) {
      throw new TRPCError({ code: "FORBIDDEN", message: `This action needs the ${role.toLowerCase()} role` });
    }
    if (type === "mutation" && auth.via === "cookie" && !isSameOrigin(ctx.headers)) {
      throw new TRPCError({ code: "FORBIDDEN", message: "Cross-site request refused" });
    }
    return next({ ctx: { actor: auth.actor } });
  });
