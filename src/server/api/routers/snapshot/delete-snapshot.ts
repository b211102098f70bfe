import { deleteSnapshot } from "../../../engine/snapshots/snapshot-store";
import { engineDeps } from "../../../engine-deps";
import { adminProcedure } from "../../procedures";
import { snapshotIdInput } from "./schemas";

export const deleteSnapshotProcedure = adminProcedure
  .input(snapshotIdInput)
  .mutation(({ ctx, input }) => deleteSnapshot(ctx.db, engineDeps.dataDir, ctx.actor, input.id));
