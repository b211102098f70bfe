import { z } from "zod";
import { TEST_COMMAND_MAX } from "~/shared/storage";
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
/** One snapshot's copies, or every copy of a workload's snapshots (pruned ones included). */
export const snapshotCopiesInput = z
  .object({ id: idSchema.optional(), workloadId: idSchema.optional() })
  .refine((input) => Boolean(input.id) !== Boolean(input.workloadId), "give id or workloadId");
export const copySnapshotInput = z.object({ id: idSchema, targetId: idSchema.optional() });
export const fetchCopyInput = z.object({ copyId: idSchema, keepSpecialBits: z.boolean().optional() });
export const testRestoreInput = z.object({
  id: idSchema,
  // Checked again by the engine (one line, bounded): the message is the engine's.
  command: z
    .string()
    .max(TEST_COMMAND_MAX * 2)
    .optional(),
});
