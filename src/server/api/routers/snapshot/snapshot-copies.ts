import { viewerProcedure } from "~/server/api/procedures";
import { listCopies } from "~/server/engine/storage/copy-views";
import { snapshotCopiesInput } from "./schemas";

export const snapshotCopiesProcedure = viewerProcedure
  .input(snapshotCopiesInput)
  .query(({ ctx, input }) => listCopies(ctx.deps, ctx.actor, input));
