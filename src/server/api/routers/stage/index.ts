import { router } from "~/server/api/procedures";
import { createStageProcedure } from "./create-stage";
import { deleteStageProcedure } from "./delete-stage";
import { listStagesProcedure } from "./list-stages";
import { renameStageProcedure } from "./rename-stage";

export const stageRouter = router({
  list: listStagesProcedure,
  create: createStageProcedure,
  rename: renameStageProcedure,
  delete: deleteStageProcedure,
});
