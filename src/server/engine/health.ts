import type { EngineDeps } from "./deps";

export interface HealthReport {
  db: "ok" | "error";
  docker: "ok" | "unreachable";
  version: string;
}

/** The DB decides the status code; an unreachable Docker engine is reported, not fatal. */
export async function checkHealth(deps: EngineDeps, version: string): Promise<HealthReport> {
  const [dbOk, docker] = await Promise.all([
    deps.db.$queryRawUnsafe("SELECT 1").then(
      () => true,
      () => false,
    ),
    deps.runtime.probe().catch(() => ({ reachable: false })),
  ]);
  return { db: dbOk ? "ok" : "error", docker: docker.reachable ? "ok" : "unreachable", version };
}
