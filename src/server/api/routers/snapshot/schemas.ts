import { z } from "zod";
import { VALIDATION_MESSAGES } from "~/shared/validation";
import { idSchema } from "../schemas";

export const snapshotIdInput = z.object({ id: idSchema });
export const workloadSnapshotsInput = z.object({ workloadId: idSchema });
export const listSnapshotsInput = z.object({ workloadId: idSchema.optional() }).default({});
export const createSnapshotInput = z.object({
  workloadId: idSchema,
  label: z.string().trim().max(100, VALIDATION_MESSAGES["label-too-long"]).optional(),
  quiesce: z.boolean().default(false),
});
export const restoreSnapshotInput = z.object({
  workloadId: idSchema,
  snapshotId: idSchema,
  confirm: z.string().max(100),
});
export const undoRestoreInput = z.object({
  workloadId: idSchema,
  restoreRunId: idSchema,
  confirm: z.string().max(100),
});
export const pinSnapshotInput = z.object({ id: idSchema, pinned: z.boolean() });
