import { z } from "zod";
import { workloadSettingsSchema } from "~/server/engine/workloads/workload-config";
import { idSchema } from "../schemas";

export const workloadIdInput = z.object({ id: idSchema });
// The name's format is judged with the other fields (workloadFieldIssues), so one answer lists every problem.
export const createWorkloadInput = workloadSettingsSchema.extend({ projectId: idSchema, stageId: idSchema, name: z.string().max(100) });
export const updateWorkloadInput = workloadSettingsSchema.extend({ id: idSchema, redeploy: z.boolean().default(false) });
export const deleteWorkloadInput = z.object({
  id: idSchema,
  deleteData: z.boolean().default(false),
  confirmName: z.string().max(100).optional(),
});
export const workloadLogsInput = z.object({ id: idSchema, tail: z.number().int().min(1).max(2000).default(200) });
