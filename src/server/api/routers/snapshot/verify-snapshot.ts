import { adminProcedure } from "~/server/api/procedures";
import { verifySnapshot } from "~/server/engine/verify/verify-snapshot";
import { snapshotIdInput } from "./schemas";

export const verifySnapshotProcedure = adminProcedure
  .input(snapshotIdInput)
  .mutation(({ ctx, input }) => verifySnapshot(ctx.deps, ctx.actor, input));
