import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { db } from "~/server/db";
import { engineDeps } from "~/server/engine-deps";
import type { ContainerRuntime } from "~/server/engine/container-runtime";
import { restoreSnapshot } from "~/server/engine/restore/restore";
import { createSnapshot } from "~/server/engine/snapshots/capture";
import { describeSnapshotCoverage } from "~/server/engine/snapshots/coverage";
import { deleteSnapshot, listSnapshots, snapshotDir, snapshotFilePath } from "~/server/engine/snapshots/snapshot-store";
import { deployWorkload, getWorkload } from "~/server/engine/workloads/workloads";
import { removeWorkloadContainersAfterAll } from "../support/container-cleanup";
import { hashTree } from "../support/hash-tree";
import { createIdentities } from "../support/identities";
import { allProcedurePaths, OFF_HOST_SNAPSHOT_PROCEDURES, runRoleMatrix, type MatrixEntry } from "../support/role-matrix";
import { longRunning, makeWorkload, testActor } from "../support/workload-fixtures";
import type { EngineDeps } from "~/server/engine/deps";

const volumePath = (project: string, source: string) =>
  path.join(engineDeps.dataDir, "volumes/projects", project, "stages/production", source);

async function writeTree(root: string, seed: string) {
  await fs.mkdir(path.join(root, "nested/deeper/deepest"), { recursive: true });
  await fs.mkdir(path.join(root, "empty-dir"), { recursive: true });
  await fs.writeFile(path.join(root, "empty-file"), "");
  await fs.writeFile(path.join(root, "nested/deeper/deepest/leaf.txt"), `leaf ${seed}\n`);
  await fs.writeFile(path.join(root, "данные файл.txt"), `unicode ${seed}\n`);
  await fs.writeFile(path.join(root, "secret.key"), `secret ${seed}\n`, { mode: 0o600 });
  await fs.chmod(path.join(root, "secret.key"), 0o600);
  await fs.writeFile(path.join(root, "run.sh"), "#!/bin/sh\necho hi\n");
  await fs.chmod(path.join(root, "run.sh"), 0o755);
  await fs.symlink("/etc/passwd", path.join(root, "link-out"));
  execFileSync("mkfifo", [path.join(root, "pipe")]);
}

removeWorkloadContainersAfterAll();
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe("capture", () => {
  it("round-trips two volumes byte for byte, readable by GNU tar, with skipped entries listed", async () => {
    const w = await makeWorkload({
      name: "roundtrip",
      command: longRunning("echo from-container > /a/written-by-container.txt"),
      volumes: [
        { target: "/a", scope: "stage", source: "alpha" },
        { target: "/b", scope: "stage", source: "beta" },
        { target: "/named", scope: "named", source: "berth-test-named" },
      ],
    });
    await deployWorkload(engineDeps, testActor, w.id);
    const a = volumePath(w.projectSlug, "alpha");
    const b = volumePath(w.projectSlug, "beta");
    await expect.poll(() => fs.readFile(path.join(a, "written-by-container.txt"), "utf8").catch(() => "")).toBe("from-container\n");
    await writeTree(a, "a");
    await writeTree(b, "b");
    const big = Buffer.alloc(50 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE((i * 2654435761) >>> 0, i); // varied, partly compressible
    await fs.writeFile(path.join(b, "big.bin"), big);

    expect(await describeSnapshotCoverage(engineDeps, testActor, w.id)).toEqual({
      volumes: [
        { target: "/a", scope: "stage", source: "alpha" },
        { target: "/b", scope: "stage", source: "beta" },
      ],
      skipped: [{ target: "/named", reason: "named-volume" }],
      sharedWith: [],
    });

    const snap = await createSnapshot(engineDeps, testActor, { workloadId: w.id, label: "round trip" });
    expect(snap).toMatchObject({ kind: "manual", label: "round trip", capturedLive: true, createdBy: "test" });
    const file = snapshotFilePath(engineDeps.dataDir, { workloadId: w.id, fileName: `${snap.id}.tar.gz` });
    expect(Number(snap.size)).toBe((await fs.stat(file)).size);
    expect(snap.sha256).toBe(execFileSync("sha256sum", [file], { encoding: "utf8" }).split(" ")[0]);
    expect(spawnSync("gzip", ["-t", file]).status).toBe(0);

    const listing = execFileSync("tar", ["-tzf", file], { encoding: "utf8" }).trim().split("\n");
    expect(listing[0]).toBe("berth-manifest.json");
    expect(listing).toContain("volumes/0/данные файл.txt");
    expect(listing).toContain("volumes/1/big.bin");
    expect(listing).toContain("volumes/0/link-out"); // a symlink, kept as one (format 2)
    expect(listing.some((l) => l.includes("pipe"))).toBe(false);

    const out = await fs.mkdtemp(path.join(os.tmpdir(), "berth-untar-"));
    cleanups.push(() => fs.rm(out, { recursive: true, force: true }));
    execFileSync("tar", ["-xzf", file, "-C", out]);
    const stripSkipped = (t: Record<string, string>) => Object.fromEntries(Object.entries(t).filter(([k]) => k !== "pipe"));
    expect(await hashTree(path.join(out, "volumes/0"))).toEqual(stripSkipped(await hashTree(a)));
    expect(await hashTree(path.join(out, "volumes/1"))).toEqual(stripSkipped(await hashTree(b)));

    const manifest = JSON.parse(await fs.readFile(path.join(out, "berth-manifest.json"), "utf8"));
    expect(manifest).toMatchObject({
      format: "berth-snapshot",
      version: 2,
      snapshotId: snap.id,
      workloadId: w.id,
      workloadName: "roundtrip",
    });
    expect(manifest.volumes).toEqual(snap.manifest.volumes);
    expect(manifest.volumes[1]).toMatchObject({ index: 1, target: "/b", scope: "stage", source: "beta", files: 6, bytes: big.length + 44 });
    expect(snap.manifest.skipped).toEqual([
      { volume: 0, path: "pipe", type: "fifo" },
      { volume: 1, path: "pipe", type: "fifo" },
    ]);
    expect((await listSnapshots(engineDeps, testActor, { workloadId: w.id })).map((s) => s.id)).toEqual([snap.id]);
  });

  it("refuses a workload with no snapshottable data, with the reason", async () => {
    const w = await makeWorkload({ name: "nodata", volumes: [{ target: "/n", scope: "named", source: "only-named" }] });
    await expect(createSnapshot(engineDeps, testActor, { workloadId: w.id })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/no snapshottable data.*\/n: Docker named volume/),
      reason: "nothing-to-snapshot",
      params: { targets: "/n" },
    });
    const bare = await makeWorkload({ name: "novolumes" });
    await expect(createSnapshot(engineDeps, testActor, { workloadId: bare.id })).rejects.toThrow(
      /no snapshottable data \(it has no volumes\)/,
    );
  });

  it("quiesces: stops the container during capture and starts it again, also when capture fails", async () => {
    const w = await makeWorkload({ name: "quiet", volumes: [{ target: "/d", scope: "stage", source: "quiet" }] });
    await deployWorkload(engineDeps, testActor, w.id);
    await fs.writeFile(path.join(volumePath(w.projectSlug, "quiet"), "f.txt"), "x");
    const calls: string[] = [];
    const real = engineDeps.runtime;
    const recording: ContainerRuntime = {
      ...real,
      stop: async (n) => (calls.push(`stop:${(await real.inspect(n)).state}`), real.stop(n)),
      start: async (n) => (calls.push(`start:${(await real.inspect(n)).state}`), real.start(n)),
    };
    const deps: EngineDeps = { ...engineDeps, runtime: recording };
    const snap = await createSnapshot(deps, testActor, { workloadId: w.id, quiesce: true });
    expect(calls).toEqual(["stop:running", "start:exited"]);
    expect(snap.capturedLive).toBe(false);
    expect((await getWorkload(engineDeps, testActor, w.id)).status.state).toBe("running");

    // A full disk under the snapshot folder: the capture fails, the container runs again.
    const dir = snapshotDir(engineDeps.dataDir, w.id);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]);
    cleanups.push(async () => void spawnSync("umount", [dir]));
    await fs.writeFile(path.join(volumePath(w.projectSlug, "quiet"), "big.bin"), randomBytes(1024 * 1024));
    calls.length = 0;
    const before = await db.snapshot.count({ where: { workloadId: w.id } });
    await expect(createSnapshot(deps, testActor, { workloadId: w.id, quiesce: true })).rejects.toMatchObject({
      message: expect.stringMatching(/disk holding the snapshots is full/),
    });
    expect(calls).toEqual(["stop:running", "start:exited"]);
    expect((await getWorkload(engineDeps, testActor, w.id)).status.state).toBe("running");
    expect(await fs.readdir(dir)).toEqual([]);
    expect(await db.snapshot.count({ where: { workloadId: w.id } })).toBe(before);
    execFileSync("umount", [dir]);
  });

  it("leaves nothing behind and the container running when stopping it fails", async () => {
    const w = await makeWorkload({ name: "nostop", volumes: [{ target: "/d", scope: "stage", source: "nostop" }] });
    await deployWorkload(engineDeps, testActor, w.id);
    const deps: EngineDeps = {
      ...engineDeps,
      runtime: { ...engineDeps.runtime, stop: async () => Promise.reject(new Error("engine refused to stop")) },
    };
    await expect(createSnapshot(deps, testActor, { workloadId: w.id, quiesce: true })).rejects.toThrow(
      /^Stopping the container before the snapshot failed: An unexpected error occurred \(details are in the server log\)$/,
    );
    expect(await db.snapshot.count({ where: { workloadId: w.id } })).toBe(0);
    expect(await fs.readdir(snapshotDir(engineDeps.dataDir, w.id)).catch(() => [])).toEqual([]);
    expect((await getWorkload(engineDeps, testActor, w.id)).status.state).toBe("running");
  });

  it("keeps memory flat: capturing a 2 GB volume grows RSS by less than 100 MB", async () => {
    const w = await makeWorkload({ name: "large", volumes: [{ target: "/d", scope: "stage", source: "large" }] });
    const dir = volumePath(w.projectSlug, "large");
    await fs.mkdir(dir, { recursive: true });
    // Sparse: 2 GiB of zeros on disk costs nothing to create, but every byte is read and packed.
    const fh = await fs.open(path.join(dir, "sparse.bin"), "w");
    await fh.truncate(2 * 1024 ** 3);
    await fh.close();
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    try {
      const snap = await createSnapshot(engineDeps, testActor, { workloadId: w.id });
      expect(snap.manifest.volumes[0]).toMatchObject({ files: 1, bytes: 2 * 1024 ** 3 });
    } finally {
      clearInterval(sampler);
    }
    expect(peak - baseline).toBeLessThan(100 * 1024 * 1024);
  }, 300_000);
});

describe("list, get and delete", () => {
  it("deletes the file then the row, and still deletes a row whose file is gone", async () => {
    const w = await makeWorkload({ name: "del", volumes: [{ target: "/d", scope: "stage", source: "del" }] });
    await fs.mkdir(volumePath(w.projectSlug, "del"), { recursive: true });
    const s1 = await createSnapshot(engineDeps, testActor, { workloadId: w.id, label: "one" });
    const s2 = await createSnapshot(engineDeps, testActor, { workloadId: w.id, label: "two" });
    expect((await listSnapshots(engineDeps, testActor, { workloadId: w.id })).map((s) => s.label)).toEqual(["two", "one"]);
    await expect(deleteSnapshot(engineDeps, testActor, s1.id)).resolves.toEqual({ fileWasMissing: false });
    await fs.unlink(snapshotFilePath(engineDeps.dataDir, { workloadId: w.id, fileName: `${s2.id}.tar.gz` }));
    await expect(deleteSnapshot(engineDeps, testActor, s2.id)).resolves.toEqual({ fileWasMissing: true });
    expect(await listSnapshots(engineDeps, testActor, { workloadId: w.id })).toEqual([]);
    await expect(deleteSnapshot(engineDeps, testActor, "no-such")).rejects.toMatchObject({ code: "NOT_FOUND" });
    const actions = (await db.auditEvent.findMany({ where: { action: { startsWith: "snapshot." } } })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["snapshot.create", "snapshot.delete"]));
  });

  it("refuses to open a row whose file name was tampered with", () => {
    for (const fileName of ["../../x.tar.gz", "../x", "a/b.tar.gz", "x.tar.gz/..", ""]) {
      expect(() => snapshotFilePath(engineDeps.dataDir, { workloadId: "w1", fileName }), fileName).toThrow(/stored file name is invalid/);
    }
    expect(() => snapshotFilePath(engineDeps.dataDir, { workloadId: "..", fileName: "x.tar.gz" })).toThrow(/invalid/);
  });
});

describe("role matrix for snapshot procedures", () => {
  it("gives each identity the expected outcome", async () => {
    const ids = await createIdentities(engineDeps);
    const withData = async () => {
      const w = await makeWorkload({
        name: `s${Math.random().toString(36).slice(2, 8)}`,
        volumes: [{ target: "/d", scope: "stage", source: "d" }],
      });
      await fs.mkdir(volumePath(w.projectSlug, "d"), { recursive: true });
      return w;
    };
    const entries: Record<string, MatrixEntry> = {
      "snapshot.list": { role: "VIEWER", input: () => ({}) },
      "snapshot.get": {
        role: "VIEWER",
        input: async () => ({ id: (await createSnapshot(engineDeps, testActor, { workloadId: (await withData()).id })).id }),
      },
      "snapshot.snapshotable": { role: "VIEWER", input: async () => ({ workloadId: (await withData()).id }) },
      "snapshot.create": { role: "ADMIN", input: async () => ({ workloadId: (await withData()).id, label: "matrix" }) },
      "snapshot.delete": {
        role: "ADMIN",
        input: async () => ({ id: (await createSnapshot(engineDeps, testActor, { workloadId: (await withData()).id })).id }),
      },
      "snapshot.restoreRuns": { role: "VIEWER", input: async () => ({ workloadId: (await withData()).id }) },
      "snapshot.restore": {
        role: "ADMIN",
        input: async () => {
          const w = await withData();
          await deployWorkload(engineDeps, testActor, w.id);
          const snapshot = await createSnapshot(engineDeps, testActor, { workloadId: w.id });
          return { workloadId: w.id, snapshotId: snapshot.id, confirm: snapshot.id };
        },
      },
      "snapshot.undoRestore": {
        role: "ADMIN",
        input: async () => {
          const w = await withData();
          await deployWorkload(engineDeps, testActor, w.id);
          const snapshot = await createSnapshot(engineDeps, testActor, { workloadId: w.id });
          const run = await restoreSnapshot(engineDeps, testActor, { workloadId: w.id, snapshotId: snapshot.id, confirm: snapshot.id });
          return { workloadId: w.id, restoreRunId: run.restoreRunId, confirm: run.restoreRunId };
        },
      },
      "snapshot.pin": {
        role: "ADMIN",
        input: async () => ({ id: (await createSnapshot(engineDeps, testActor, { workloadId: (await withData()).id })).id, pinned: true }),
      },
    };
    const covered = allProcedurePaths().filter(
      (p) => p.startsWith("snapshot.") && p !== "snapshot.progress" && !OFF_HOST_SNAPSHOT_PROCEDURES.includes(p),
    );
    expect(Object.keys(entries).sort()).toEqual(covered);
    const outcomes = await runRoleMatrix(entries, ids.headers);
    for (const [p, byIdentity] of Object.entries(outcomes)) expect(byIdentity.admin.ok, p).toBe(true);
  });
});
