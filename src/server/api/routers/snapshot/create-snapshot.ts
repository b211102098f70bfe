import { createSnapshot } from "../../../engine/snapshots/capture";
import { engineDeps } from "../../../engine-deps";
import { adminProcedure } from "../../procedures";
import { createSnapshotInput } from "./schemas";

export const createSnapshotProcedure = adminProcedure
  .input(createSnapshotInput)
  .mutation(({ ctx, input }) => createSnapshot(engineDeps, ctx.actor, input));
