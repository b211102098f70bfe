import { router } from "~/server/api/procedures";
import { createUserProcedure } from "./create-user";
import { deleteUserProcedure } from "./delete-user";
import { listUsersProcedure } from "./list-users";
import { resetPasswordProcedure } from "./reset-password";
import { setDisabledProcedure } from "./set-disabled";
import { updateUserRoleProcedure } from "./update-user-role";

export const userRouter = router({
  list: listUsersProcedure,
  create: createUserProcedure,
  updateRole: updateUserRoleProcedure,
  delete: deleteUserProcedure,
  resetPassword: resetPasswordProcedure,
  setDisabled: setDisabledProcedure,
});
