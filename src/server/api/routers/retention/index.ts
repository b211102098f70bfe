import { router } from "~/server/api/procedures";
import { pruneRetentionProcedure } from "./prune-retention";
import { getRetentionProcedure } from "./get-retention";
import { previewRetentionProcedure } from "./preview-retention";
import { setRetentionProcedure } from "./set-retention";

export const retentionRouter = router({
  get: getRetentionProcedure,
  set: setRetentionProcedure,
  preview: previewRetentionProcedure,
  // "apply" is a name tRPC reserves
  prune: pruneRetentionProcedure,
});
