import type { Actor } from "~/server/engine/actor";
import type { ContainerRef, ContainerStats } from "~/server/engine/container-runtime";
import type { EngineDeps } from "~/server/engine/deps";
import { unreachableReason } from "~/server/engine/public-error";
import { containerName, containerRef, loadWorkload } from "./workloads";

/** One workload's container as `docker stats` sees it; `unavailable` when Docker could not say (the log has why). */
export type ContainerStatsReading =
  | ({ state: "measured" } & ContainerStats)
  | { state: "missing" }
  | { state: "unavailable"; reason: "docker-unreachable" | "docker-error" };

export type WorkloadStats = { workloadId: string } & ContainerStatsReading;

/** `at` is the server's clock when it answered: uptimes count from it, so a browser's clock does not matter. */
export interface ContainerStatsView {
  at: Date;
  workloads: WorkloadStats[];
}

/** Each stats call holds Docker for about a second: a few at once keep the dashboard quick without a burst on the engine. */
export const STATS_CONCURRENCY = 4;

async function readStats(deps: EngineDeps, ref: ContainerRef): Promise<WorkloadStats> {
  try {
    // Every dashboard and detail page polls: they share one reading per container (deps.stats).
    const stats = await deps.stats.get(
      `${ref.workloadId}/${ref.name}`,
      () => deps.clock.now().getTime(),
      () => deps.runtime.stats(ref),
    );
    return stats ? { workloadId: ref.workloadId, state: "measured", ...stats } : { workloadId: ref.workloadId, state: "missing" };
  } catch (error) {
    deps.log.warn({ err: error, workloadId: ref.workloadId }, "reading a container's stats failed");
    return { workloadId: ref.workloadId, state: "unavailable", reason: unreachableReason(error) };
  }
}

/** `fn` over `items`, at most `limit` at a time, results in the items' order (the engine has no other such map). */
async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export async function workloadStats(deps: EngineDeps, _viewer: Actor, input: { id: string }): Promise<WorkloadStats & { at: Date }> {
  const w = await loadWorkload(deps.db, input.id);
  const reading = await readStats(deps, containerRef(w));
  return { ...reading, at: deps.clock.now() };
}

/** Every workload's container, for the dashboard; one failing read is that workload's `unavailable`, never the whole answer's. */
export async function containerStats(deps: EngineDeps, _viewer: Actor): Promise<ContainerStatsView> {
  const rows = await deps.db.workload.findMany({
    include: { project: true, stage: true },
    orderBy: [{ projectId: "asc" }, { name: "asc" }],
  });
  const refs = rows.map((w) => ({ workloadId: w.id, name: containerName({ project: w.project, stage: w.stage, config: w }) }));
  const workloads = await mapBounded(refs, STATS_CONCURRENCY, (ref) => readStats(deps, ref));
  return { at: deps.clock.now(), workloads };
}
