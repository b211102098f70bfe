import { undoRestore } from "../../../engine/restore/undo-restore";
import { engineDeps } from "../../../engine-deps";
import { adminProcedure } from "../../procedures";
import { undoRestoreInput } from "./schemas";

export const undoRestoreProcedure = adminProcedure
  .input(undoRestoreInput)
  .mutation(({ ctx, input }) => undoRestore(engineDeps, ctx.actor, input));
