import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { db } from "~/server/db";
import { engineDeps } from "~/server/engine-deps";
import { restoreSnapshot } from "~/server/engine/restore/restore";
import { createSnapshot } from "~/server/engine/snapshots/capture";
import { getSnapshot, listSnapshots, openSnapshotFile, snapshotDir, snapshotsRoot } from "~/server/engine/snapshots/snapshot-store";
import { sweepSnapshotFiles } from "~/server/engine/snapshots/sweep";
import { deployWorkload } from "~/server/engine/workloads/workloads";
import { removeWorkloadContainersAfterAll } from "../support/container-cleanup";
import { makeWorkload, testActor } from "../support/workload-fixtures";

removeWorkloadContainersAfterAll();

/** The sweep's log, kept to check that every removal is logged. */
function logSink() {
  const lines: { level: string; detail: Record<string, unknown>; message: string }[] = [];
  const at = (level: string) => (detail: object, message: string) =>
    void lines.push({ level, detail: detail as Record<string, unknown>, message });
  return { log: { info: at("info"), warn: at("warn"), error: at("error") }, lines };
}

const exists = (file: string) =>
  fs.stat(file).then(
    () => true,
    () => false,
  );

describe("boot sweep of the snapshots folder", () => {
  it("removes stale .tmp files and unrecorded archives, keeps foreign files, and flags rows whose file is gone", async () => {
    const w = await makeWorkload({ name: "sweep", volumes: [{ target: "/data", scope: "stage", source: "data" }] });
    await deployWorkload(engineDeps, testActor, w.id);
    const kept = await createSnapshot(engineDeps, testActor, { workloadId: w.id, label: "kept" });
    const lost = await createSnapshot(engineDeps, testActor, { workloadId: w.id, label: "lost" });
    const back = await createSnapshot(engineDeps, testActor, { workloadId: w.id, label: "back" });
    const dir = snapshotDir(engineDeps.dataDir, w.id);
    const root = snapshotsRoot(engineDeps.dataDir);

    // What a crash or a cancelled upload leaves, an archive renamed into place but never recorded
    // (here and under a workload folder with no rows at all), and files Berth did not name.
    const stale = path.join(dir, `${randomUUID()}.tar.gz.tmp`);
    const orphan = path.join(dir, `${randomUUID()}.tar.gz`);
    const otherDir = path.join(root, randomUUID());
    const otherOrphan = path.join(otherDir, `${randomUUID()}.tar.gz`);
    const otherStale = path.join(otherDir, "whatever.tmp");
    const foreign = [path.join(dir, "notes.txt"), path.join(dir, "copy of snapshot.tar.gz"), path.join(root, "top-level.tar.gz")];
    await fs.mkdir(otherDir, { recursive: true });
    for (const file of [stale, orphan, otherOrphan, otherStale, ...foreign]) await fs.writeFile(file, "leftover");
    await fs.mkdir(path.join(dir, "a-folder.tar.gz"));

    await fs.rm(path.join(dir, `${lost.id}.tar.gz`));
    await db.snapshot.update({ where: { id: back.id }, data: { fileMissing: true } });

    const { log, lines } = logSink();
    const result = await sweepSnapshotFiles({ ...engineDeps, log });

    const rel = (file: string) => path.relative(root, file);
    expect(result.removedTmp.sort()).toEqual([rel(stale), rel(otherStale)].sort());
    expect(result.removedOrphans.sort()).toEqual([rel(orphan), rel(otherOrphan)].sort());
    expect(result.markedMissing).toEqual([lost.id]);
    expect(result.foundAgain).toEqual([back.id]);
    for (const file of [stale, orphan, otherOrphan, otherStale]) expect(await exists(file), file).toBe(false);
    for (const file of [
      ...foreign,
      path.join(dir, "a-folder.tar.gz"),
      path.join(dir, `${kept.id}.tar.gz`),
      path.join(dir, `${back.id}.tar.gz`),
    ]) {
      expect(await exists(file), file).toBe(true);
    }
    // Every removal and every flag change is logged, by path relative to the snapshots folder.
    const logged = lines.map((l) => l.detail.file ?? l.detail.snapshotId);
    expect(logged.sort()).toEqual([rel(stale), rel(otherStale), rel(orphan), rel(otherOrphan), lost.id, back.id].sort());

    // list and get say which rows have lost their file.
    const listed = new Map((await listSnapshots(engineDeps, testActor, { workloadId: w.id })).map((s) => [s.id, s.fileMissing]));
    expect(Object.fromEntries(listed)).toEqual({ [kept.id]: false, [lost.id]: true, [back.id]: false });
    expect((await getSnapshot(engineDeps, testActor, lost.id)).fileMissing).toBe(true);

    // Download and restore of the flagged row fail with a clear message, nothing else.
    await expect(openSnapshotFile(engineDeps, testActor, { id: lost.id, audit: false })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "This snapshot's file is missing from the server",
    });
    await expect(restoreSnapshot(engineDeps, testActor, { workloadId: w.id, snapshotId: lost.id, confirm: lost.id })).rejects.toMatchObject(
      {
        code: "PRECONDITION_FAILED",
        message: "This snapshot's file is missing from the server",
      },
    );

    // A second sweep finds nothing to do.
    expect(await sweepSnapshotFiles({ ...engineDeps, log })).toEqual({
      removedTmp: [],
      removedOrphans: [],
      markedMissing: [],
      foundAgain: [],
    });
  });
});
