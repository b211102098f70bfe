import { router } from "~/server/api/procedures";
import { createProjectProcedure } from "./create-project";
import { deleteProjectProcedure } from "./delete-project";
import { listProjectsProcedure } from "./list-projects";
import { renameProjectProcedure } from "./rename-project";

export const projectRouter = router({
  list: listProjectsProcedure,
  create: createProjectProcedure,
  rename: renameProjectProcedure,
  delete: deleteProjectProcedure,
});
