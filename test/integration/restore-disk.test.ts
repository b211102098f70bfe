import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { closeSync, createReadStream, openSync, writeSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import { db } from "~/server/db";
import { engineDeps } from "~/server/engine-deps";
import { OperationHub } from "~/server/engine/operations";
import { journalDir } from "~/server/engine/restore/journal";
import { restoreSnapshot } from "~/server/engine/restore/restore";
import { createSnapshot } from "~/server/engine/snapshots/capture";
import { importSnapshot } from "~/server/engine/snapshots/import";
import { deployWorkload, getWorkload } from "~/server/engine/workloads/workloads";
import { dir, gzip, snapshotTar, symlink } from "../support/archive-builder";
import { removeWorkloadContainersAfterAll } from "../support/container-cleanup";
import { hashTree } from "../support/hash-tree";
import { makeWorkload, testActor } from "../support/workload-fixtures";

// Each scenario's stage directory is a small tmpfs, so the volumes live on a filesystem the
// test can fill up: real ENOSPC, real statfs numbers.
const mounts: string[] = [];
removeWorkloadContainersAfterAll();
afterAll(async () => {
  for (const dir of mounts) execFileSync("umount", ["-l", dir]);
});

async function workloadOnTmpfs(name: string, options: string) {
  const w = await makeWorkload({ name, volumes: [{ target: "/a", scope: "stage", source: "a" }] });
  const stageDir = path.join(engineDeps.dataDir, "volumes/projects", w.projectSlug, "stages/production");
  await fs.mkdir(stageDir, { recursive: true });
  // mode=755: a fresh tmpfs root is 1777, and Berth refuses to mount through a folder others may write.
  execFileSync("mount", ["-t", "tmpfs", "-o", `${options},mode=755`, `berth-test-${name}`, stageDir]);
  mounts.push(stageDir);
  await deployWorkload(engineDeps, testActor, w.id);
  return { w, stageDir, live: path.join(stageDir, "a") };
}

async function writeFiles(dir: string, count: number, size: number) {
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) await fs.writeFile(path.join(dir, `f${i}`), Buffer.alloc(size, i % 251));
}

async function assertUntouched(s: { w: { id: string }; stageDir: string; live: string }, before: Record<string, string>) {
  expect(await hashTree(s.live)).toEqual(before);
  expect((await fs.readdir(s.stageDir)).filter((n) => n.startsWith(".berth-"))).toEqual([]);
  expect(await fs.readdir(journalDir(engineDeps.dataDir)).catch(() => [])).toEqual([]);
  expect((await getWorkload(engineDeps, testActor, s.w.id)).status.state).toBe("running");
}

const restore = (deps: typeof engineDeps, workloadId: string, snapshotId: string) =>
  restoreSnapshot(deps, testActor, { workloadId, snapshotId, confirm: snapshotId });

describe("restore on a full disk", () => {
  it("refuses before touching anything when the volume's filesystem lacks the space", async () => {
    const s = await workloadOnTmpfs("space", "size=200m");
    await writeFiles(s.live, 3, 60 * 1024 * 1024);
    const snapshot = await createSnapshot(engineDeps, testActor, { workloadId: s.w.id });
    await writeFiles(s.live, 1, 1000);
    const before = await hashTree(s.live);

    // 180 MiB staged + 32 MiB margin do not fit in the ~200 MiB tmpfs.
    await expect(restore(engineDeps, s.w.id, snapshot.id)).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: expect.stringMatching(
        /^Not enough free disk space for \/a: the restore needs 212\.\d MiB, (199|200)\.\d MiB are free; nothing was changed$/,
      ),
    });
    await assertUntouched(s, before);
    expect(await db.snapshot.count({ where: { workloadId: s.w.id, kind: "pre-restore" } })).toBe(0);
  });

  it("refuses before touching anything when the volume's filesystem lacks the inodes", async () => {
    const s = await workloadOnTmpfs("inodes", "size=100m,nr_inodes=3000");
    await writeFiles(s.live, 2950, 10);
    const snapshot = await createSnapshot(engineDeps, testActor, { workloadId: s.w.id });
    await writeFiles(s.live, 1, 10);
    const before = await hashTree(s.live);

    await expect(restore(engineDeps, s.w.id, snapshot.id)).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: expect.stringMatching(/^Not enough free inodes for \/a: the restore needs 3051, \d+ are free; nothing was changed$/),
    });
    await assertUntouched(s, before);
  });

  it("leaves the live data untouched when the disk fills up during extraction, and restores once there is room", async () => {
    const s = await workloadOnTmpfs("enospc", "size=100m");
    await writeFiles(s.live, 4, 10 * 1024 * 1024);
    const snapshot = await createSnapshot(engineDeps, testActor, { workloadId: s.w.id });
    const expected = await hashTree(s.live);
    await writeFiles(s.live, 1, 5 * 1024 * 1024);
    const before = await hashTree(s.live);

    // Another writer fills the disk just as extraction starts, after the pre-check passed.
    const filler = path.join(s.stageDir, "filler");
    class FillingHub extends OperationHub {
      override start(...args: Parameters<OperationHub["start"]>) {
        const handle = super.start(...args);
        return {
          ...handle,
          progress: (update: Parameters<typeof handle.progress>[0]) => {
            if (update.phase === "staging") fillDisk(filler, 5 * 1024 * 1024);
            handle.progress(update);
          },
        };
      }
    }
    const deps = { ...engineDeps, operations: new FillingHub() };
    await expect(restore(deps, s.w.id, snapshot.id)).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: "Not enough space to stage the restore; the live data was not touched",
    });
    await assertUntouched(s, before);
    const run = await db.restoreRun.findFirstOrThrow({ where: { workloadId: s.w.id } });
    expect(run).toMatchObject({ outcome: "failed", phase: "done" });

    await fs.rm(filler);
    await restore(engineDeps, s.w.id, snapshot.id);
    expect(await hashTree(s.live)).toEqual(expected);
  });
});

describe("restore of a hostile import on a small disk", () => {
  // The pre-check plans from the manifest's regular files only; directories and symlinks are
  // not declared there, so only the extractor's own floor keeps them from filling the disk.
  const ENTRIES = 3000;
  // Under one folder: a failed extraction empties each staging dir with one `rm -rf` per
  // top-level entry, which over 3000 entries takes 10 s or more.
  const kinds = {
    directories: (i: number) => dir(`volumes/0/bomb/d${i}/`),
    symlinks: (i: number) => symlink(`volumes/0/bomb/l${i}`, "nowhere"),
  };

  it.each(Object.keys(kinds) as (keyof typeof kinds)[])(
    "a hostile imported archive whose manifest declares no files cannot fill the running workload's disk (%s)",
    async (kind) => {
      const s = await workloadOnTmpfs(`bomb-${kind}`, "size=100m,nr_inodes=2000");
      await writeFiles(s.live, 10, 100);
      const before = await hashTree(s.live);

      // A valid format-2 archive: its one volume (/a) declares 0 files and 0 bytes, and holds
      // 3000 directories or symlinks, more than the whole filesystem has inodes.
      const tar = snapshotTar([dir("volumes/0/"), dir("volumes/0/bomb/"), ...Array.from({ length: ENTRIES }, (_, i) => kinds[kind](i))], {
        manifest: { version: 2, volumes: [{ index: 0, target: "/a", scope: "stage", source: "a", files: 0, bytes: 0 }] },
      });
      const scratch = await fs.mkdtemp(path.join(os.tmpdir(), "berth-restore-disk-"));
      const archive = path.join(scratch, "hostile.tar.gz");
      await fs.writeFile(archive, gzip(tar));
      const imported = await importSnapshot({ ...engineDeps, importMaxBytes: 64 * 1024 * 1024 }, testActor, {
        workloadId: s.w.id,
        body: createReadStream(archive),
      });
      await fs.rm(scratch, { recursive: true, force: true });
      expect(imported.matched).toEqual(["/a"]);

      const running = (await getWorkload(engineDeps, testActor, s.w.id)).status;
      expect(running.state).toBe("running");
      const freeBefore = (await fs.statfs(s.stageDir)).ffree;
      // Without a floor the staging would take every free inode: the live volume's disk full.
      expect(ENTRIES).toBeGreaterThan(freeBefore);

      const watch = await watchFreeInodes(s.stageDir);
      const error = await restore(engineDeps, s.w.id, imported.snapshot.id).then(
        () => expect.unreachable("the restore succeeded"),
        (e: unknown) => e,
      );
      const minFree = await watch.stop();
      expect(error).toMatchObject({
        code: "PRECONDITION_FAILED",
        message: "Not enough space to stage the restore; the live data was not touched",
      });
      // Stopped by the extractor's floor (no cause), not by the filesystem running out (ENOSPC cause).
      expect((error as Error).cause).toBeUndefined();
      // The floor is 100 inodes, checked every 32 made: the disk never came near full.
      expect(minFree).toBeGreaterThanOrEqual(100 - 32);

      // Everything staged is gone again, and the workload never stopped.
      expect(Math.abs((await fs.statfs(s.stageDir)).ffree - freeBefore)).toBeLessThanOrEqual(2);
      await assertUntouched(s, before);
      expect((await getWorkload(engineDeps, testActor, s.w.id)).status).toEqual(running);
      expect(await db.restoreRun.findFirstOrThrow({ where: { workloadId: s.w.id } })).toMatchObject({ outcome: "failed", phase: "done" });
      expect(await db.snapshot.count({ where: { workloadId: s.w.id, kind: "pre-restore" } })).toBe(0);
    },
  );
});

/**
 * Samples the free inodes of `root`'s filesystem from a worker thread as fast as it can until stopped, so the
 * lowest point is seen even while the main thread is busy in synchronous mkdir / symlink
 * calls; `stop` returns the lowest count seen.
 */
async function watchFreeInodes(root: string) {
  const shared = new Int32Array(new SharedArrayBuffer(8)); // [0] stop flag, [1] lowest ffree
  shared[1] = 0x7fffffff;
  const worker = new Worker(
    `const { statfsSync } = require("node:fs");
     const { parentPort, workerData: { shared, root } } = require("node:worker_threads");
     const sample = () => { const free = statfsSync(root).ffree; if (free < shared[1]) Atomics.store(shared, 1, free); };
     sample();
     parentPort.postMessage("ready");
     while (Atomics.load(shared, 0) === 0) sample();
     sample();`,
    { eval: true, workerData: { shared, root } },
  );
  await once(worker, "message");
  return {
    stop: async () => {
      Atomics.store(shared, 0, 1);
      await once(worker, "exit");
      return shared[1]!;
    },
  };
}

/** Writes `file` until the filesystem is full, then frees `leave` bytes again. */
function fillDisk(file: string, leave: number) {
  const fd = openSync(file, "w");
  const chunk = Buffer.alloc(1024 * 1024, 7);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  } finally {
    closeSync(fd);
  }
  execFileSync("truncate", ["-s", `-${leave}`, file]);
}
