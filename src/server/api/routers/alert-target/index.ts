import { router } from "~/server/api/procedures";
import { createAlertTargetProcedure } from "./create-alert-target";
import { deleteAlertTargetProcedure } from "./delete-alert-target";
import { listAlertTargetsProcedure } from "./list-alert-targets";
import { testAlertTargetProcedure } from "./test-alert-target";
import { updateAlertTargetProcedure } from "./update-alert-target";

export const alertTargetRouter = router({
  list: listAlertTargetsProcedure,
  create: createAlertTargetProcedure,
  update: updateAlertTargetProcedure,
  delete: deleteAlertTargetProcedure,
  test: testAlertTargetProcedure,
});
