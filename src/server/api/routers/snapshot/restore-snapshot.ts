import { restoreSnapshot } from "../../../engine/restore/restore";
import { engineDeps } from "../../../engine-deps";
import { adminProcedure } from "../../procedures";
import { restoreSnapshotInput } from "./schemas";

export const restoreSnapshotProcedure = adminProcedure
  .input(restoreSnapshotInput)
  .mutation(({ ctx, input }) => restoreSnapshot(engineDeps, ctx.actor, input));
