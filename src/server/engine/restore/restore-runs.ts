import type { Db } from "../../db";

/** A workload's restore history, newest first, with how each one ended. */
export async function listRestoreRuns(db: Db, workloadId: string, limit = 50) {
  return db.restoreRun.findMany({ where: { workloadId }, orderBy: { startedAt: "desc" }, take: limit });
}
