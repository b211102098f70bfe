import path from "node:path";
import type { EngineDeps } from "../deps";
import { badRequest } from "../errors";
import { getSnapshotRow, assertSnapshotFile, type SnapshotManifestSummary } from "../snapshots/snapshot-store";
import type { ResolvedVolume } from "../volumes";
import { assertNoPendingRestore, type LoadedWorkload, loadWorkload, resolveWorkloadVolumes } from "../workloads/workloads";
import { checkFreeSpace, extractedNeed, undoCopyNeed } from "./free-space";

export interface RestoreRequest {
  workloadId: string;
  snapshotId: string;
  confirm: string;
}

type BindVolume = Extract<ResolvedVolume, { kind: "bind" }>;

/**
 * Pre-flight: everything that can refuse the restore from the row and the current config,
 * before anything is read or touched. The stored manifest plans the staging; the archive
 * itself is checked while it is staged (sha256, strict validation, the manifest's totals).
 */
export async function planRestore(deps: EngineDeps, request: RestoreRequest) {
  const row = await getSnapshotRow(deps.db, request.snapshotId);
  if (row.workloadId !== request.workloadId) {
    throw badRequest("This snapshot belongs to another workload", { reason: "snapshot-other-workload" });
  }
  const workload = await loadWorkload(deps.db, request.workloadId);
  if (workload.config.sourceKind !== "image") throw badRequest("Only image workloads can be restored", { reason: "restore-needs-image" });
  await assertNoPendingRestore(deps, request.workloadId);
  const file = await assertSnapshotFile(deps.dataDir, row);
  const manifest = JSON.parse(row.manifest) as SnapshotManifestSummary;

  const { current, mapped } = await mapSnapshotVolumes(deps, workload, manifest);
  const volumes = mapped.map(({ manifestVolume: mv, current: c }) => ({
    index: mv.index,
    target: mv.target,
    resolved: c,
    live: c.hostPath,
    staged: extractedNeed(mv),
  }));
  const untouched = current.filter((c) => !volumes.some((v) => v.target === c.target)).map((c) => c.target);
  await checkFreeSpace([
    ...volumes.map((v) => ({ dir: path.dirname(v.live), ...v.staged, what: v.target })),
    await undoCopyNeed(deps.dataDir, volumes),
  ]);
  return { row, workload, file, volumes, untouched, bytesTotal: manifest.volumes.reduce((sum, v) => sum + v.bytes, 0) };
}

export type RestorePlan = Awaited<ReturnType<typeof planRestore>>;

/**
 * The snapshot's volumes mapped by target onto the workload's CURRENT config (the manifest's
 * scope/source are never used): each must be a writable bind there, else `restore-unmapped`.
 * A restore and a test restore both use it, so a test restore never passes what a restore refuses.
 */
export async function mapSnapshotVolumes(deps: EngineDeps, workload: LoadedWorkload, manifest: SnapshotManifestSummary) {
  const current = await resolveWorkloadVolumes(deps, workload);
  const mapped: { manifestVolume: SnapshotManifestSummary["volumes"][number]; current: BindVolume }[] = [];
  const unmapped: string[] = [];
  for (const mv of manifest.volumes) {
    const c = current.find((v) => v.target === mv.target);
    if (c?.kind === "bind" && !c.readOnly) mapped.push({ manifestVolume: mv, current: c });
    else unmapped.push(mv.target);
  }
  if (unmapped.length > 0) {
    const targets = unmapped.join(", ");
    throw badRequest(`The snapshot has volumes this workload no longer has as writable binds: ${targets}; nothing was changed`, {
      reason: "restore-unmapped",
      params: { targets },
    });
  }
  return { current, mapped };
}
