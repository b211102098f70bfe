import { getSnapshot } from "../../../engine/snapshots/snapshot-store";
import { viewerProcedure } from "../../procedures";
import { snapshotIdInput } from "./schemas";

export const getSnapshotProcedure = viewerProcedure.input(snapshotIdInput).query(({ ctx, input }) => getSnapshot(ctx.db, input.id));
