import fs from "node:fs/promises";
import type { Actor } from "../actor";
import type { CoverageSkipReason } from "~/shared/coverage";
import { DomainError } from "../errors";
import { loadWorkload, resolveWorkloadVolumes, workloadsSharing } from "../workloads/workloads";
import type { VolumeScope } from "../volumes";
import type { EngineDeps } from "~/server/engine/deps";

export interface CoveredVolume {
  index: number;
  target: string;
  scope: VolumeScope;
  source: string;
  hostPath: string;
}

export interface SnapshotCoverage {
  volumes: CoveredVolume[];
  skipped: { target: string; reason: CoverageSkipReason }[];
}

/** The English of each skip reason, for the error message (logs, CLI, API clients). */
const SKIP_REASON_TEXT: Record<CoverageSkipReason, string> = {
  "named-volume": "Docker named volume: its data is managed by Docker, not covered by snapshots",
  "read-only": "read-only bind: mounted as configuration, not data the workload writes",
  "missing-folder": "its folder does not exist yet (deploy the workload first)",
  "not-image": "only image workloads can be snapshotted",
};

/** Which volumes a snapshot of this workload covers, and why the others are left out. */
export async function snapshotCoverage(
  deps: EngineDeps,
  workloadId: string,
): Promise<SnapshotCoverage & { workload: Awaited<ReturnType<typeof loadWorkload>> }> {
  const workload = await loadWorkload(deps.db, workloadId);
  const coverage: SnapshotCoverage = { volumes: [], skipped: [] };
  if (workload.config.sourceKind !== "image") {
    coverage.skipped = workload.config.volumes.map((v) => ({ target: v.target, reason: "not-image" as const }));
    return { ...coverage, workload };
  }
  const resolved = await resolveWorkloadVolumes(deps, workload);
  for (const v of resolved) {
    if (v.kind === "named") {
      coverage.skipped.push({ target: v.target, reason: "named-volume" });
    } else if (v.readOnly) {
      coverage.skipped.push({ target: v.target, reason: "read-only" });
    } else if (
      !(await fs.stat(v.hostPath).then(
        (s) => s.isDirectory(),
        () => false,
      ))
    ) {
      coverage.skipped.push({ target: v.target, reason: "missing-folder" });
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
export async function describeSnapshotCoverage(deps: EngineDeps, _viewer: Actor, workloadId: string) {
  const { volumes, skipped } = await snapshotCoverage(deps, workloadId);
  const sharedWith = await workloadsSharing(
    deps,
    volumes.map((v) => v.hostPath),
    workloadId,
    "best-effort",
  );
  return { volumes: volumes.map(({ target, scope, source }) => ({ target, scope, source })), skipped, sharedWith };
}

export function assertSomethingToSnapshot(coverage: SnapshotCoverage): void {
  if (coverage.volumes.length > 0) return;
  if (coverage.skipped.length === 0) {
    throw new DomainError("BAD_REQUEST", "This workload has no snapshottable data (it has no volumes)", { reason: "no-volumes" });
  }
  const why = coverage.skipped.map((s) => `${s.target}: ${SKIP_REASON_TEXT[s.reason]}`).join("; ");
  const targets = coverage.skipped.map((s) => s.target).join(", ");
  throw new DomainError("BAD_REQUEST", `This workload has no snapshottable data (${why})`, {
    reason: "nothing-to-snapshot",
    params: { targets },
  });
}
