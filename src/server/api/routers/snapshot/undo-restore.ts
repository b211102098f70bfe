import { undoRestore } from "~/server/engine/restore/undo-restore";
import { adminProcedure } from "~/server/api/procedures";
import { undoRestoreInput } from "./schemas";

export const undoRestoreProcedure = adminProcedure
  .input(undoRestoreInput)
  .mutation(({ ctx, input }) => undoRestore(ctx.deps, ctx.actor, input));
