import fs from "node:fs/promises";
import path from "node:path";
import { SNAPSHOT_FILE_NAME, snapshotFilePath, snapshotsRoot } from "./snapshot-store";
import type { EngineDeps } from "~/server/engine/deps";

export interface SweepResult {
  /** paths relative to the snapshots folder */
  removedTmp: string[];
  removedOrphans: string[];
  /** snapshot ids */
  markedMissing: string[];
  foundAgain: string[];
}

const WORKLOAD_DIR = /^[A-Za-z0-9_-]+$/;

/**
 * Tidies the snapshots folder at boot, before anything is served (one server owns the data
 * dir, so no capture or import is running): every `*.tmp` is a write cut short by a crash or
 * a cancelled upload; an archive with our naming but no row was renamed into place and never
 * recorded. Both are deleted. Rows whose file is gone are flagged `fileMissing` (and cleared
 * when it is back), so the list says so rather than a restore failing later. Files we did
 * not name are left alone.
 */
export async function sweepSnapshotFiles(deps: EngineDeps): Promise<SweepResult> {
  const result: SweepResult = { removedTmp: [], removedOrphans: [], markedMissing: [], foundAgain: [] };
  const root = snapshotsRoot(deps.dataDir);
  const rows = await deps.db.snapshot.findMany({ select: { id: true, workloadId: true, fileName: true, fileMissing: true } });
  const recorded = new Set(rows.map((r) => `${r.workloadId}/${r.fileName}`));

  for (const dir of await readDir(root)) {
    if (!dir.isDirectory() || !WORKLOAD_DIR.test(dir.name)) continue;
    for (const entry of await readDir(path.join(root, dir.name))) {
      const relative = `${dir.name}/${entry.name}`;
      if (!entry.isFile()) continue;
      if (entry.name.endsWith(".tmp")) {
        await fs.rm(path.join(root, relative), { force: true });
        result.removedTmp.push(relative);
        deps.log.info({ file: relative }, "removed an unfinished snapshot file");
      } else if (SNAPSHOT_FILE_NAME.test(entry.name) && !recorded.has(relative)) {
        await fs.rm(path.join(root, relative), { force: true });
        result.removedOrphans.push(relative);
        deps.log.warn({ file: relative }, "removed a snapshot archive that has no snapshot record");
      }
    }
  }

  for (const row of rows) {
    const present = await isFile(row);
    if (present === !row.fileMissing) continue;
    await deps.db.snapshot.update({ where: { id: row.id }, data: { fileMissing: !present } });
    (present ? result.foundAgain : result.markedMissing).push(row.id);
    if (present) deps.log.info({ snapshotId: row.id }, "a snapshot's file is back");
    else deps.log.warn({ snapshotId: row.id, workloadId: row.workloadId }, "a snapshot's file is missing");
  }
  return result;

  async function isFile(row: { workloadId: string; fileName: string }): Promise<boolean> {
    let file: string;
    try {
      file = snapshotFilePath(deps.dataDir, row);
    } catch {
      return false; // a row naming no valid file has no file either
    }
    return (await fs.lstat(file).catch(() => null))?.isFile() ?? false;
  }
}

async function readDir(dir: string) {
  return fs
    .readdir(dir, { withFileTypes: true })
    .catch((error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? [] : Promise.reject(error)));
}
