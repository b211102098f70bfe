import { constants } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { DomainError } from "../errors";
import { isInside } from "../volumes";
import type { ArchiveLimits } from "./limits";
import type { SnapshotManifest } from "./manifest";
import { readSnapshotArchive } from "./strict-reader";

export interface ExtractOptions {
  /** volume index → an existing, empty staging dir (mkdtemp 0700, on the live volume's filesystem) */
  targets: Map<number, string>;
  limits?: Partial<ArchiveLimits>;
  onProgress?: (p: { bytesDone: number; volumeIndex: number }) => void;
}

async function emptyDir(dir: string): Promise<void> {
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) await fs.rm(path.join(dir, name), { recursive: true, force: true });
}

/**
 * Extracts a snapshot archive into per-volume staging dirs with the strict reader's rules:
 * regular files and directories only, created exclusively (never following or overwriting),
 * modes masked, owners never taken from the archive, mtimes applied after content (dirs
 * deepest first). Every file and directory is fsynced before this returns, so a journal
 * written afterwards can name the staging dirs and rely on their content surviving a crash.
 * On any failure everything written is removed; the staging dirs are left empty.
 */
export async function extractSnapshotArchive(input: Readable, opts: ExtractOptions): Promise<{ manifest: SnapshotManifest; files: number; dirs: number; bytes: number }> {
  const dirs: { path: string; mode: number; mtime: Date }[] = [];
  let files = 0;
  let bytes = 0;
  // Every ancestor of an entry, listed in the archive or not: fsynced at the end with the rest.
  const parents = new Set<string>();
  const noteParents = (root: string, full: string) => {
    for (let d = path.dirname(full); d !== path.resolve(root) && !parents.has(d); d = path.dirname(d)) parents.add(d);
  };
  const pathFor = (volumeIndex: number, relativePath: string) => {
    const root = opts.targets.get(volumeIndex);
    if (!root) throw new DomainError("BAD_REQUEST", `The archive's volume ${volumeIndex} has no staging folder`);
    const full = path.resolve(root, relativePath);
    if (!isInside(root, full)) throw new DomainError("BAD_REQUEST", `entry '${relativePath}' escapes its volume`);
    return { root, full };
  };
  try {
    const result = await readSnapshotArchive(input, {
      limits: opts.limits,
      async onEntry(entry, body) {
        const { root, full } = pathFor(entry.volumeIndex, entry.relativePath);
        if (entry.kind === "directory") {
          // recursive: parents may be listed later in the archive, or not at all (the reader allows both).
          if (full !== path.resolve(root)) {
            await fs.mkdir(full, { recursive: true, mode: 0o700 });
            noteParents(root, full);
          }
          dirs.push({ path: full, mode: entry.mode, mtime: entry.mtime });
          return;
        }
        await fs.mkdir(path.dirname(full), { recursive: true, mode: 0o700 });
        noteParents(root, full);
        const handle = await fs.open(full, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        try {
          if (body) {
            for await (const chunk of body as AsyncIterable<Buffer>) {
              await handle.write(chunk);
              bytes += chunk.length;
              opts.onProgress?.({ bytesDone: bytes, volumeIndex: entry.volumeIndex });
            }
          }
          await handle.chmod(entry.mode);
          await handle.utimes(entry.mtime, entry.mtime);
          await handle.sync();
        } finally {
          await handle.close();
        }
        files++;
      },
    });
    const missing = result.manifest.volumes.filter((v) => !opts.targets.has(v.index)).map((v) => v.target);
    if (missing.length > 0) throw new DomainError("BAD_REQUEST", `No staging folder for volumes ${missing.join(", ")}`);
    // Parents the archive does not list, before any listed directory gets its (maybe closed) mode.
    const listed = new Set(dirs.map((d) => d.path));
    for (const d of parents) {
      if (listed.has(d)) continue;
      const h = await fs.open(d, "r");
      await h.sync().finally(() => h.close());
    }
    // Deepest first, so setting a parent's mtime comes after its children were touched.
    for (const d of dirs.sort((x, y) => y.path.length - x.path.length)) {
      await fs.chmod(d.path, d.mode);
      await fs.utimes(d.path, d.mtime, d.mtime);
      const h = await fs.open(d.path, "r");
      await h.sync().finally(() => h.close());
    }
    for (const root of opts.targets.values()) {
      const h = await fs.open(root, "r");
      await h.sync().finally(() => h.close());
    }
    return { manifest: result.manifest, files, dirs: dirs.length, bytes };
  } catch (error) {
    for (const root of opts.targets.values()) await emptyDir(root);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOSPC" || code === "EDQUOT") {
      throw new DomainError("PRECONDITION_FAILED", "Not enough space to stage the restore; the live data was not touched", { cause: error });
    }
    throw error;
  }
}
