import { TRPCError } from "@trpc/server";
import type { Role } from "~/generated/prisma/enums";
import type { Because } from "~/shared/error-reasons";
import { roleAtLeast } from "~/shared/roles";
import { isSameOrigin } from "~/server/auth/request-actor";
import { DomainError, type DomainErrorCode } from "~/server/engine/errors";
import { t } from "../init";

/** A refusal with its reason code (the error formatter sends it as `data.reason`). */
const refuse = (code: DomainErrorCode & TRPCError["code"], message: string, because?: Because) =>
  new TRPCError({ code, message, cause: new DomainError(code, message, because) });

/** Anonymous → UNAUTHORIZED, too weak a role → FORBIDDEN, cross-site cookie mutation → FORBIDDEN. */
export const requireRole = (role: Role) =>
  t.middleware(({ ctx, type, next }) => {
    const { auth } = ctx;
    if (!auth.actor) {
      if (auth.via === "none" && auth.problem) throw refuse("UNAUTHORIZED", auth.problem.message, auth.problem);
      throw refuse("UNAUTHORIZED", "Sign in first", { reason: "sign-in-first" });
    }
    if (!roleAtLeast(auth.actor.role, role)) {
      throw refuse("FORBIDDEN", `This action needs the ${role.toLowerCase()} role`, { reason: "role-needed", params: { role } });
    }
    if (type === "mutation" && auth.via === "cookie" && !isSameOrigin(ctx.headers)) {
      throw refuse("FORBIDDEN", "Cross-site request refused", { reason: "cross-site" });
    }
    return next({ ctx: { actor: auth.actor } });
  });
