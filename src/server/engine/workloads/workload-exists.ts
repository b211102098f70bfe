import type { EngineDeps } from "../deps";
import { notFound } from "../errors";

/** NOT_FOUND unless the workload exists: for functions that need only its id. */
export async function assertWorkloadExists(deps: Pick<EngineDeps, "db">, workloadId: string): Promise<void> {
  if (!(await deps.db.workload.findUnique({ where: { id: workloadId }, select: { id: true } }))) throw notFound("workload");
}
