import { constants } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { fsyncPath } from "../durable-fs";
import { isInside } from "../volumes";
import {
  checkedRemoteName,
  folderInvalid,
  partialName,
  remoteMissing,
  targetIoFailed,
  type RemoteFile,
  type StorageBackend,
} from "./storage-backend";

/** A local folder's setting: absolute, plain, and not Berth's own data dir (a copy there dies with the disk). */
export function checkLocalFolder(folder: string, dataDir: string): string {
  if (!path.isAbsolute(folder)) throw folderInvalid("notAbsolute");
  if (folder.includes("\0") || folder.split("/").includes("..")) throw folderInvalid("hasDotdot");
  const resolved = path.resolve(folder);
  if (isInside(dataDir, resolved) || isInside(resolved, dataDir)) throw folderInvalid("insideDataDir");
  return resolved;
}

// Never follow a link in the target folder: every file there is one this backend made.
const NOFOLLOW = constants.O_NOFOLLOW;

/**
 * Written into a local target's folder when the target is saved, and required at every use
 * after: an NFS or SMB share that is not mounted leaves its empty mount point, and copies
 * written there would sit on this host's own disk, looking safe.
 */
export const LOCAL_TARGET_MARKER = ".berth-storage-target";

/** The folder, checked and resolved once (realpath): a real folder outside the data dir. */
async function resolveFolder(folder: string, dataDir: string): Promise<string> {
  const checked = checkLocalFolder(folder, dataDir);
  const root = await fs.realpath(checked).catch((error: NodeJS.ErrnoException) => {
    throw error.code === "ENOENT" ? folderInvalid("missing") : targetIoFailed(error);
  });
  if (!(await fs.stat(root)).isDirectory()) throw folderInvalid("notAFolder");
  if (isInside(dataDir, root) || isInside(root, dataDir)) throw folderInvalid("insideDataDir");
  return root;
}

/** Marks the folder as this kind of target (when it is saved): durable, never through a link. */
export async function markLocalFolder(folder: string, dataDir: string): Promise<void> {
  const root = await resolveFolder(folder, dataDir);
  try {
    const handle = await fs.open(path.join(root, LOCAL_TARGET_MARKER), constants.O_WRONLY | constants.O_CREAT | NOFOLLOW, 0o600);
    try {
      await handle.truncate(0);
      await handle.write("Berth copies snapshots into this folder. Keep this file: without it Berth refuses the folder.\n");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsyncPath(root);
  } catch (error) {
    throw targetIoFailed(error);
  }
}

/**
 * A folder on this host, usually an NFS or SMB mount: the same durability as local snapshots
 * (temporary file, fsync, rename, fsync of the folder). The folder is resolved once, here;
 * every file is opened inside that resolved folder, following no link.
 */
export async function openLocalFolder(folder: string, dataDir: string): Promise<StorageBackend> {
  const root = await resolveFolder(folder, dataDir);
  if (!(await fs.lstat(path.join(root, LOCAL_TARGET_MARKER)).catch(() => null))?.isFile()) throw folderInvalid("notMarked");
  const at = (name: string) => path.join(root, checkedRemoteName(name));
  const partialOf = (name: string) => path.join(root, partialName(checkedRemoteName(name)));

  return {
    async partialSize(name) {
      const st = await fs.lstat(partialOf(name)).catch(() => null);
      return st?.isFile() ? st.size : 0;
    },
    async writePartial(name, offset, data, onBytes) {
      const file = partialOf(name);
      try {
        // A fresh start: whatever has the name goes (a planted link too), then an exclusive create.
        if (offset === 0)
          await fs.unlink(file).catch((error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? undefined : Promise.reject(error)));
        const flags = constants.O_WRONLY | NOFOLLOW | (offset === 0 ? constants.O_CREAT | constants.O_EXCL : 0);
        const handle = await fs.open(file, flags, 0o600);
        try {
          // Bytes past `offset` are not the ones about to be written.
          if (offset > 0) await handle.truncate(offset);
          let position = offset;
          for await (const chunk of data) {
            const bytes = chunk as Buffer;
            // write() may write less than asked: loop until the chunk is down.
            for (let done = 0; done < bytes.length; ) {
              const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position);
              done += bytesWritten;
              position += bytesWritten;
            }
            onBytes?.(bytes.length);
          }
          await handle.sync();
        } finally {
          await handle.close();
        }
      } catch (error) {
        throw targetIoFailed(error);
      }
    },
    async commit(name) {
      try {
        await fs.rename(partialOf(name), at(name));
        await fsyncPath(root);
      } catch (error) {
        throw targetIoFailed(error);
      }
    },
    async stat(name) {
      const st = await fs.lstat(at(name)).catch(() => null);
      return st?.isFile() ? { size: st.size } : null;
    },
    async read(name): Promise<Readable> {
      // Non-blocking open: a FIFO planted under the name must not hold a thread forever; only a regular file is read.
      const handle = await fs.open(at(name), constants.O_RDONLY | NOFOLLOW | constants.O_NONBLOCK).catch((error: NodeJS.ErrnoException) => {
        throw error.code === "ENOENT" ? remoteMissing() : targetIoFailed(error);
      });
      if (!(await handle.stat()).isFile()) {
        await handle.close();
        throw remoteMissing();
      }
      return handle.createReadStream({ highWaterMark: 256 * 1024 });
    },
    async list(): Promise<RemoteFile[]> {
      const entries = await fs.readdir(root, { withFileTypes: true }).catch((error) => {
        throw targetIoFailed(error);
      });
      const files: RemoteFile[] = [];
      for (const entry of entries) {
        if (!entry.isFile()) continue;
        const st = await fs.lstat(path.join(root, entry.name)).catch(() => null);
        if (st?.isFile()) files.push({ name: entry.name, size: st.size });
      }
      return files;
    },
    async remove(name) {
      for (const file of [at(name), partialOf(name)]) {
        await fs.unlink(file).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== "ENOENT") throw targetIoFailed(error);
        });
      }
    },
    async close() {},
  };
}
