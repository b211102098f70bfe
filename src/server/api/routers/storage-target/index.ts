import { router } from "~/server/api/procedures";
import { browseStorageTargetProcedure } from "./browse-storage-target";
import { copyPolicyProcedure, setCopyPolicyProcedure } from "./copy-policy";
import { createStorageTargetProcedure } from "./create-storage-target";
import { deleteStorageTargetProcedure } from "./delete-storage-target";
import { importFromTargetProcedure } from "./import-from-target";
import { listStorageTargetsProcedure } from "./list-storage-targets";
import { testStorageTargetProcedure } from "./test-storage-target";
import { updateStorageTargetProcedure } from "./update-storage-target";

export const storageTargetRouter = router({
  list: listStorageTargetsProcedure,
  create: createStorageTargetProcedure,
  update: updateStorageTargetProcedure,
  delete: deleteStorageTargetProcedure,
  test: testStorageTargetProcedure,
  browse: browseStorageTargetProcedure,
  importArchive: importFromTargetProcedure,
  copyPolicy: copyPolicyProcedure,
  setCopyPolicy: setCopyPolicyProcedure,
});
