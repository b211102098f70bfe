import { adminProcedure } from "~/server/api/procedures";
import { listStorageTargets } from "~/server/engine/storage/storage-targets";

// Admin only: hosts, users and folders say where the backups are.
export const listStorageTargetsProcedure = adminProcedure.query(({ ctx }) => listStorageTargets(ctx.deps, ctx.actor));
