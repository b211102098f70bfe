import { execFileSync } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { db } from "~/server/db";
import { engineDeps } from "~/server/engine-deps";
import { OperationHub } from "~/server/engine/operations";
import { journalDir } from "~/server/engine/restore/journal";
import { restoreSnapshot } from "~/server/engine/restore/restore";
import { createSnapshot } from "~/server/engine/snapshots/capture";
import { deployWorkload, getWorkload } from "~/server/engine/workloads/workloads";
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
      message: expect.stringMatching(/^Not enough free disk space for \/a: the restore needs 212\.\d MiB, (199|200)\.\d MiB are free; nothing was changed$/),
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
