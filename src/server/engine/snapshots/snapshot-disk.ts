import fs from "node:fs/promises";
import { notifyAlert } from "../alerts/notify";
import type { EngineDeps } from "../deps";
import { snapshotsRoot } from "./snapshot-store";

export interface SnapshotDisk {
  freeBytes: number;
  totalBytes: number;
  /** free space is below BERTH_DISK_LOW_PERCENT */
  low: boolean;
}

/** The filesystem the snapshots live on (the data dir's, before the first snapshot). */
export async function snapshotDisk(deps: Pick<EngineDeps, "dataDir" | "diskLowPercent">): Promise<SnapshotDisk> {
  const where = await fs.stat(snapshotsRoot(deps.dataDir)).then(
    () => snapshotsRoot(deps.dataDir),
    () => deps.dataDir,
  );
  const stats = await fs.statfs(where);
  // bavail: what an unprivileged writer may still use, as df shows it.
  const freeBytes = stats.bavail * stats.bsize;
  const totalBytes = stats.blocks * stats.bsize;
  return { freeBytes, totalBytes, low: totalBytes > 0 && (freeBytes / totalBytes) * 100 < deps.diskLowPercent };
}

/** Alerts when the snapshot disk has become nearly full; once per crossing, not at every run. */
export async function checkSnapshotDisk(deps: EngineDeps): Promise<void> {
  const disk = await snapshotDisk(deps).catch(() => null);
  if (!disk) return;
  if (disk.low && !deps.alerts.standing.has("disk-low")) {
    const percent = Math.round((disk.freeBytes / disk.totalBytes) * 1000) / 10;
    notifyAlert(deps, {
      event: "disk-low",
      message: `The snapshot disk is nearly full: ${percent}% free`,
      reason: "disk-low",
      params: { free: `${(disk.freeBytes / 1024 ** 3).toFixed(1)} GiB`, percent },
      at: new Date(),
    });
  }
  if (disk.low) deps.alerts.standing.add("disk-low");
  else deps.alerts.standing.delete("disk-low");
}
