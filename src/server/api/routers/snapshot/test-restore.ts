import { adminProcedure, viewerProcedure } from "~/server/api/procedures";
import { listTestRestores, testRestore } from "~/server/engine/verify/test-restore";
import { testRestoreInput, workloadSnapshotsInput } from "./schemas";

export const testRestoreProcedure = adminProcedure
  .input(testRestoreInput)
  .mutation(({ ctx, input }) => testRestore(ctx.deps, ctx.actor, input));

export const testRestoresProcedure = viewerProcedure
  .input(workloadSnapshotsInput)
  .query(({ ctx, input }) => listTestRestores(ctx.deps, ctx.actor, input));
