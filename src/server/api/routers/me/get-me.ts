import { getUser } from "~/server/engine/users";
import { viewerProcedure } from "~/server/api/procedures";

/** Token callers have no user record; they get their token's identity instead. */
export const getMeProcedure = viewerProcedure.query(async ({ ctx }) => {
  const { actor } = ctx;
  if (actor.kind !== "user") return { kind: actor.kind, label: actor.label, role: actor.role, user: null };
  return { kind: actor.kind, label: actor.label, role: actor.role, user: await getUser(ctx.deps, actor, actor.userId) };
});
