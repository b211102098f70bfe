import type { Db } from "../db";

export interface HealthReport {
  db: "ok" | "error";
  docker: "ok" | "unreachable";
  version: string;
}

/** The DB decides the status code; an unreachable Docker engine is reported, not fatal. */
export async function checkHealth(
  db: Db,
  probeDocker: () => Promise<{ reachable: boolean }>,
  version: string,
): Promise<HealthReport> {
  const [dbOk, docker] = await Promise.all([
    db.$queryRawUnsafe("SELECT 1").then(() => true, () => false),
    probeDocker().catch(() => ({ reachable: false })),
  ]);
  return { db: dbOk ? "ok" : "error", docker: docker.reachable ? "ok" : "unreachable", version };
}
