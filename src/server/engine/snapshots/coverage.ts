import fs from "node:fs/promises";
import { DomainError } from "../errors";
import { loadWorkload, resolveWorkloadVolumes, workloadsSharing, type WorkloadDeps } from "../workloads/workloads";
import type { VolumeScope } from "../volumes";

export interface CoveredVolume {
  index: number;
  target: string;
  scope: VolumeScope;
  source: string;
  hostPath: string;
}

export interface SnapshotCoverage {
  volumes: CoveredVolume[];
  skipped: { target: string; reason: string }[];
}

/** Which volumes a snapshot of this workload covers, and why the others are left out. */
export async function snapshotCoverage(deps: WorkloadDeps, workloadId: string): Promise<SnapshotCoverage & { workload: Awaited<ReturnType<typeof loadWorkload>> }> {
  const workload = await loadWorkload(deps.db, workloadId);
  const coverage: SnapshotCoverage = { volumes: [], skipped: [] };
  if (workload.config.sourceKind !== "image") {
    coverage.skipped = workload.config.volumes.map((v) => ({ target: v.target, reason: "only image workloads can be snapshotted" }));
    return { ...coverage, workload };
  }
  const resolved = await resolveWorkloadVolumes(deps, workload);
  for (const v of resolved) {
    if (v.kind === "named") {
      coverage.skipped.push({ target: v.target, reason: "Docker named volume: its data is managed by Docker, not covered by snapshots" });
    } else if (v.readOnly) {
      coverage.skipped.push({ target: v.target, reason: "read-only bind: mounted as configuration, not data the workload writes" });
    } else if (!(await fs.stat(v.hostPath).then((s) => s.isDirectory(), () => false))) {
      coverage.skipped.push({ target: v.target, reason: "its folder does not exist yet (deploy the workload first)" });
    } else {
      coverage.volumes.push({ index: coverage.volumes.length, target: v.target, scope: v.scope, source: v.source, hostPath: v.hostPath });
    }
  }
  return { ...coverage, workload };
}

/**
 * The client-safe form: no host paths. `sharedWith`: the other workloads that mount these
 * folders, which a restore stops and starts again too (the restore dialog names them).
 */
export async function describeSnapshotCoverage(deps: WorkloadDeps, workloadId: string) {
  const { volumes, skipped } = await snapshotCoverage(deps, workloadId);
  const sharedWith = await workloadsSharing(deps, volumes.map((v) => v.hostPath), workloadId, "best-effort");
  return { volumes: volumes.map(({ target, scope, source }) => ({ target, scope, source })), skipped, sharedWith };
}

export function assertSomethingToSnapshot(coverage: SnapshotCoverage): void {
  if (coverage.volumes.length > 0) return;
  const why = coverage.skipped.map((s) => `${s.target}: ${s.reason}`).join("; ");
  throw new DomainError("BAD_REQUEST", `This workload has no snapshottable data${why ? ` (${why})` : " (it has no volumes)"}`);
}
