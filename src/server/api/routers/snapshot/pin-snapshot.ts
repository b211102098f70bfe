import { pinSnapshot } from "../../../engine/snapshots/snapshot-store";
import { adminProcedure } from "../../procedures";
import { pinSnapshotInput } from "./schemas";

export const pinSnapshotProcedure = adminProcedure
  .input(pinSnapshotInput)
  .mutation(({ ctx, input }) => pinSnapshot(ctx.db, ctx.actor, input.id, input.pinned));
