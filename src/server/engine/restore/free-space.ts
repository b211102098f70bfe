import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { DomainError } from "../errors";

const execFileAsync = promisify(execFile);
// Allocation unit assumed when estimating an extracted copy's size (ext4/xfs/tmpfs default).
const BLOCK = 4096;

/**
 * What extracting a manifest volume takes: an inode per file and the root, whole blocks per
 * file (the reader stops any archive that holds more than its manifest declares). A restore's
 * staging and a test restore's sandbox.
 */
export const extractedNeed = (volume: { bytes: number; files: number }) => ({
  bytes: volume.bytes + (volume.files + 1) * BLOCK,
  inodes: volume.files + 1,
});

/** Left free on every filesystem a restore writes to (also the extractor's floor while staging). */
export const FREE_SPACE_MARGIN = { bytes: 32 * 1024 * 1024, inodes: 100 };

/**
 * Bytes of disk in use under `dir` (blocks, so holes take none; hard links counted once), by
 * `du -sx` out of process: a walk in Node would queue tens of thousands of calls on the
 * thread pool that gunzip and the staging writes need. A folder that does not exist takes 0.
 */
async function diskUsage(dir: string): Promise<number> {
  if (
    !(await fs.lstat(dir).then(
      (st) => st.isDirectory(),
      () => false,
    ))
  )
    return 0;
  const { stdout } = await execFileAsync("du", ["-s", "-x", "-B1", "--", dir]);
  return Number.parseInt(stdout, 10);
}

async function existingAncestor(p: string): Promise<string> {
  while (
    !(await fs.stat(p).then(
      () => true,
      () => false,
    ))
  )
    p = path.dirname(p);
  return p;
}

/**
 * Per filesystem, before anything is touched: the staged copies (extracted beside the live
 * data) and the undo copy (in the data dir) plus a margin must fit, in bytes and in inodes.
 */
export async function checkFreeSpace(needs: { dir: string; bytes: number; inodes: number; what: string }[]) {
  const need = new Map<number, { dir: string; bytes: number; inodes: number; what: string[] }>();
  for (const n of needs) {
    const dir = await existingAncestor(n.dir);
    const dev = (await fs.stat(dir)).dev;
    const entry = need.get(dev) ?? { dir, bytes: FREE_SPACE_MARGIN.bytes, inodes: FREE_SPACE_MARGIN.inodes, what: [] };
    entry.bytes += n.bytes;
    entry.inodes += n.inodes;
    entry.what.push(n.what);
    need.set(dev, entry);
  }
  for (const { dir, bytes, inodes, what } of need.values()) {
    const where = what.join(", ");
    // The same place as codes, for the UI's language: the volumes' targets, the undo copy, or both.
    const targets = what.filter((w) => w !== UNDO_COPY).join(", ");
    const kind = !what.includes(UNDO_COPY) ? "volumes" : targets ? "both" : "undoCopy";
    const fsStat = await fs.statfs(dir);
    const freeBytes = fsStat.bavail * fsStat.bsize;
    if (freeBytes < bytes) {
      const params = { kind, targets, needed: formatMiB(bytes), free: formatMiB(freeBytes) };
      throw new DomainError(
        "PRECONDITION_FAILED",
        `Not enough free disk space for ${where}: the restore needs ${params.needed}, ${params.free} are free; nothing was changed`,
        { reason: "not-enough-space", params },
      );
    }
    // Filesystems without an inode limit (btrfs, some tmpfs) report 0 files.
    if (fsStat.files > 0 && fsStat.ffree < inodes) {
      const params = { kind, targets, needed: inodes, free: fsStat.ffree };
      throw new DomainError(
        "PRECONDITION_FAILED",
        `Not enough free inodes for ${where}: the restore needs ${inodes}, ${fsStat.ffree} are free; nothing was changed`,
        {
          reason: "not-enough-inodes",
          params,
        },
      );
    }
  }
}

/**
 * What the undo copy will take in the data dir: its compressed size is unknown, so the live
 * data's blocks bound it.
 */
export async function undoCopyNeed(dataDir: string, volumes: { live: string }[]) {
  let bytes = 0;
  for (const v of volumes) bytes += await diskUsage(v.live);
  return { dir: dataDir, bytes, inodes: 2 * volumes.length, what: UNDO_COPY };
}

const UNDO_COPY = "the undo copy";
const formatMiB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
