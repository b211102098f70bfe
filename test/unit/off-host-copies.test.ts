// Off-host copies to a local-folder target on a clock the test moves: real SQLite, real snapshot
// files, a real folder as the target, the in-memory container runtime, a real webhook receiver.
// The same engine paths over a real sshd: test/integration/off-host-sftp.test.ts.
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineDeps } from "~/server/create-engine-deps";
import { systemActor } from "~/server/engine/actor";
import { createAlertTarget } from "~/server/engine/alerts/alert-targets";
import type { EngineDeps } from "~/server/engine/deps";
import type { OperationEvent } from "~/server/engine/operations";
import { createSnapshot } from "~/server/engine/snapshots/capture";
import { deleteSnapshot, pinSnapshot, snapshotFilePath } from "~/server/engine/snapshots/snapshot-store";
import { CopyTasks } from "~/server/engine/storage/copy-tasks";
import { copySnapshotNow, recoverInterruptedCopies, runDueCopies } from "~/server/engine/storage/copy-run";
import { CopyWorker } from "~/server/engine/storage/copy-worker";
import { fetchCopy } from "~/server/engine/storage/fetch-copy";
import { browseTarget, importFromTarget } from "~/server/engine/storage/remote-archives";
import { createStorageTarget, deleteStorageTarget, setCopyPolicy, updateStorageTarget } from "~/server/engine/storage/storage-targets";
import { verifyDue, verifySnapshot } from "~/server/engine/verify/verify-snapshot";
import { engineSettingsFromEnv } from "~/server/settings";
import { MemoryRuntime } from "../support/memory-runtime";
import { keepOnly } from "../support/retention-fixtures";
import { TestClock } from "../support/test-clock";
import { makeDataWorkload } from "../support/memory-workload";
import { createTestDatabase, type TestDatabase } from "../support/test-database";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver";

const IMAGE = "berth-test/app:1";
const admin = systemActor("copies-test");
const RETRIES = [1_000, 2_000, 3_000];
const HOUR = 3600_000;

let database: TestDatabase;
let runtime: MemoryRuntime;
let receiver: WebhookReceiver;
let counter = 0;

function newDeps(db: TestDatabase, clock: TestClock, verifyIntervalMs = 0): EngineDeps {
  const settings = engineSettingsFromEnv({ BERTH_DATA_DIR: db.dataDir, BERTH_SCHEDULE_JITTER_SECONDS: "0" });
  return createEngineDeps(db.db, settings, {
    runtime,
    clock,
    copies: new CopyTasks({ retryDelaysMs: RETRIES, verifyIntervalMs }),
  });
}

// Random bytes: the archive is large enough to cut in half and not compressible to nothing.
const makeWorkload = (deps: EngineDeps, name = "app") =>
  makeDataWorkload(deps, admin, { image: IMAGE, name, file: "file.bin", data: () => randomBytes(200_000) });

async function localTarget(deps: EngineDeps, retention: Parameters<typeof createStorageTarget>[2]["retention"] = null) {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), "berth-target-"));
  const target = await createStorageTarget(deps, admin, { kind: "local", name: `nas ${++counter}`, folder, retention });
  return { target, folder };
}

/** What Berth wrote in a target folder, beside the marker it keeps there. */
const filesIn = async (folder: string) => (await fs.readdir(folder)).filter((f) => !f.startsWith("."));
const sha256 = async (file: string) =>
  createHash("sha256")
    .update(await fs.readFile(file))
    .digest("hex");
const copyRow = (snapshotId: string, targetId: string) =>
  database.db.snapshotCopy.findUniqueOrThrow({ where: { snapshotId_targetId: { snapshotId, targetId } } });

beforeAll(async () => {
  database = await createTestDatabase();
  runtime = new MemoryRuntime([IMAGE]);
  receiver = await startWebhookReceiver();
}, 60_000);

afterAll(async () => {
  await receiver?.close();
  await database?.close();
});

describe("copies to a local folder", () => {
  it("copies a new snapshot under a temporary name, renames it, verifies its sha256 and writes its description beside it", async () => {
    const clock = new TestClock(Date.now());
    const deps = newDeps(database, clock);
    const w = await makeWorkload(deps);
    const { target, folder } = await localTarget(deps);
    await setCopyPolicy(deps, admin, { workloadId: w.id, targetIds: [target.id] });
    const snapshot = await createSnapshot(deps, admin, { workloadId: w.id, label: "first" });
    expect(await copyRow(snapshot.id, target.id)).toMatchObject({ state: "queued", attempts: 0 });

    await runDueCopies(deps);
    const copy = await copyRow(snapshot.id, target.id);
    expect(copy).toMatchObject({ state: "verified", attempts: 1, sha256: snapshot.sha256, bytesDone: snapshot.size });
    expect(copy.copiedAt).toEqual(clock.now());
    expect(copy.verifiedAt).toEqual(clock.now());
    expect((await filesIn(folder)).sort()).toEqual([`${snapshot.id}.json`, `${snapshot.id}.tar.gz`]);
    expect(await sha256(path.join(folder, `${snapshot.id}.tar.gz`))).toBe(snapshot.sha256);
    const sidecar = JSON.parse(await fs.readFile(path.join(folder, `${snapshot.id}.json`), "utf8"));
    expect(sidecar).toMatchObject({
      format: "berth-copy",
      snapshotId: snapshot.id,
      workloadName: "app",
      label: "first",
      sha256: snapshot.sha256,
    });
    expect((await deps.db.storageTarget.findUniqueOrThrow({ where: { id: target.id } })).lastOutcome).toBe("ok");
  });

  it("resumes a cut-short copy from the bytes already on the target", async () => {
    const clock = new TestClock(Date.now());
    const deps = newDeps(database, clock);
    const w = await makeWorkload(deps);
    const { target, folder } = await localTarget(deps);
    const snapshot = await createSnapshot(deps, admin, { workloadId: w.id });
    const bytes = await fs.readFile(snapshotFilePath(deps.dataDir, { workloadId: w.id, fileName: `${snapshot.id}.tar.gz` }));
    const half = Math.floor(bytes.length / 2);
    // What a try cut off halfway left behind.
    await fs.writeFile(path.join(folder, `${snapshot.id}.tar.gz.partial`), bytes.subarray(0, half));

    const events: OperationEvent[] = [];
    const watching = (async () => {
      for await (const e of deps.operations.watch(w.id, AbortSignal.timeout(20_000))) {
        events.push(e);
        if (e.kind === "copy" && e.done) return;
      }
    })().catch(() => {});
    await copySnapshotNow(deps, admin, { id: snapshot.id, targetId: target.id });
    await runDueCopies(deps);
    await watching;
    const copying = events.filter((e) => e.kind === "copy" && e.phase === "copying");
    expect(copying[0]?.bytesDone).toBe(half);
    expect(await copyRow(snapshot.id, target.id)).toMatchObject({ state: "verified", attempts: 1 });
    expect(await sha256(path.join(folder, `${snapshot.id}.tar.gz`))).toBe(snapshot.sha256);
  });

  it("a resumed copy whose old bytes differ fails its re-read, is removed and written afresh on the next try", async () => {
    const clock = new TestClock(Date.now());
    const deps = newDeps(database, clock);
    const w = await makeWorkload(deps);
    const { target, folder } = await localTarget(deps);
    const snapshot = await createSnapshot(deps, admin, { workloadId: w.id });
    await fs.writeFile(path.join(folder, `${snapshot.id}.tar.gz.partial`), Buffer.alloc(1000, 7));
    await copySnapshotNow(deps, admin, { id: snapshot.id, targetId: target.id });
    await runDueCopies(deps);
    expect(await copyRow(snapshot.id, target.id)).toMatchObject({ state: "queued", attempts: 1 });
    expect(await filesIn(folder)).toEqual([]);
    await clock.advanceTo(new Date(clock.now().getTime() + RETRIES[0]!), async () => {});
    await runDueCopies(deps);
    expect(await copyRow(snapshot.id, target.id)).toMatchObject({ state: "verified", attempts: 2 });
  });

  it("does not send again a copy a cut-short try had already committed: it reads it back and keeps it", async () => {
    const clock = new TestClock(Date.now());
    const deps = newDeps(database, clock);
    const w = await makeWorkload(deps);
    const { target, folder } = await localTarget(deps);
    const snapshot = await createSnapshot(deps, admin, { workloadId: w.id });
    const remote = path.join(folder, `${snapshot.id}.tar.gz`);
    await fs.copyFile(snapshotFilePath(deps.dataDir, { workloadId: w.id, fileName: `${snapshot.id}.tar.gz` }), remote);
    const inode = (await fs.stat(remote)).ino;

    const phases: string[] = [];
    const watcher = new AbortController();
    const watching = (async () => {
      for await (const e of deps.operations.watch(w.id, watcher.signal)) if (e.kind === "copy") phases.push(e.phase);
    })().catch(() => {});
    await copySnapshotNow(deps, admin, { id: snapshot.id, targetId: target.id });
    await runDueCopies(deps);
    watcher.abort();
    await watching;
    expect(await copyRow(snapshot.id, target.id)).toMatchObject({ state: "verified", attempts: 1 });
    expect(phases).toContain("verifying");
    expect(phases).not.toContain("copying");
    expect((await fs.stat(remote)).ino).toBe(inode);
  });

  it("retries with back-off, then fails and alerts; Retry copies it once the target is back", async () => {
    receiver.requests.length = 0;
    const clock = new TestClock(Date.now());
    const deps = newDeps(database, clock);
    await createAlertTarget(deps, admin, { name: "hook", format: "json", url: `${receiver.origin}/copies`, events: ["copy-failed"] });
    const w = await makeWorkload(deps);
    const { target, folder } = await localTarget(deps);
    const snapshot = await createSnapshot(deps, admin, { workloadId: w.id });
    // The share is unmounted: its folder is gone.
    await fs.rename(folder, `${folder}.away`);
    await copySnapshotNow(deps, admin, { id: snapshot.id, targetId: target.id });

    const start = clock.now().getTime();
    let waited = 0;
    for (const [i, delay] of RETRIES.entries()) {
      await runDueCopies(deps);
      const row = await copyRow(snapshot.id, target.id);
      expect(row).toMatchObject({ state: "queued", attempts: i + 1 });
      waited += delay;
      expect(row.nextAttemptAt).toEqual(new Date(start + waited));
      // Not before its time.
      await clock.advanceTo(new Date(start + waited - 1), async () => {});
      await runDueCopies(deps);
      expect((await copyRow(snapshot.id, target.id)).attempts).toBe(i + 1);
      await clock.advanceTo(new Date(start + waited), async () => {});
    }
    await runDueCopies(deps);
    const failed = await copyRow(snapshot.id, target.id);
    expect(failed).toMatchObject({ state: "failed", attempts: RETRIES.length + 1, nextAttemptAt: null });
    expect(JSON.parse(failed.detail!)).toMatchObject({ reason: "target-folder-invalid", params: { problem: "missing" } });
    await deps.alerts.settled();
    expect(receiver.requests).toHaveLength(1);
    expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({ event: "copy-failed", reason: "target-folder-invalid" });

    // Mounted again.
    await fs.rename(`${folder}.away`, folder);
    await copySnapshotNow(deps, admin, { id: snapshot.id, targetId: target.id });
    await runDueCopies(deps);
    expect(await copyRow(snapshot.id, target.id)).toMatchObject({ state: "verified", attempts: 1, detail: null });
  });

  it("refuses the empty mount point of a share that is not mounted: nothing lands on this host's disk", async () => {
    const clock = new TestClock(Date.now());
    const deps = newDeps(database, clock);
    const w = await makeWorkload(deps);
    const { target, folder } = await localTarget(deps);
    const snapshot = await createSnapshot(deps, admin, { workloadId: w.id });
    // What an unmounted NFS share leaves: the same path, an empty folder of the host's own disk.
    await fs.rename(folder, `${folder}.share`);
    await fs.mkdir(folder);
    await copySnapshotNow(deps, admin, { id: snapshot.id, targetId: target.id });
    await runDueCopies(deps);
    const row = await copyRow(snapshot.id, target.id);
    expect(row).toMatchObject({ state: "queued", attempts: 1 });
    expect(JSON.parse(row.detail!)).toMatchObject({ reason: "target-folder-invalid", params: { problem: "notMarked" } });
    expect(await fs.readdir(folder)).toEqual([]);
    await fs.rm(folder, { recursive: true });
    await fs.rename(`${folder}.share`, folder);
  });

  it("a copy a stop cut short is queued again at the next start, and the worker copies new snapshots when woken", async () => {
    const clock = new TestClock(Date.now());
    const deps = newDeps(database, clock);
    const w = await makeWorkload(deps);
    const { target } = await localTarget(deps);
    await setCopyPolicy(deps, admin, { workloadId: w.id, targetIds: [target.id] });
    const first = await createSnapshot(deps, admin, { workloadId: w.id });
    await deps.db.snapshotCopy.updateMany({ where: { snapshotId: first.id }, data: { state: "copying", nextAttemptAt: null } });
    expect(await recoverInterruptedCopies(deps)).toBeGreaterThanOrEqual(1);
    expect(await copyRow(first.id, target.id)).toMatchObject({ state: "queued" });

    const worker = new CopyWorker(deps);
    await worker.start();
    await worker.settled();
    expect(await copyRow(first.id, target.id)).toMatchObject({ state: "verified" });
    const second = await createSnapshot(deps, admin, { workloadId: w.id });
    await worker.settled();
    await deps.copies.settled();
    expect(await copyRow(second.id, target.id)).toMatchObject({ state: "verified" });
    worker.stop();
  });

  it("never copies a pre-restore snapshot, and refuses to delete a target while a copy to it runs", async () => {
    const clock = new TestClock(Date.now());
    const deps = newDeps(database, clock);
    const w = await makeWorkload(deps);
    const { target } = await localTarget(deps);
    await setCopyPolicy(deps, admin, { workloadId: w.id, targetIds: [target.id] });
    const undo = await createSnapshot(deps, admin, { workloadId: w.id, kind: "pre-restore" });
    expect(await deps.db.snapshotCopy.count({ where: { snapshotId: undo.id } })).toBe(0);

    let release!: () => void;
    const busy = deps.copies.onTarget(target.id, () => new Promise<void>((resolve) => (release = resolve)));
    await expect(deleteStorageTarget(deps, admin, { id: target.id })).rejects.toMatchObject({ reason: "target-in-use" });
    release();
    await busy;
    await deleteStorageTarget(deps, admin, { id: target.id });
    expect(await deps.db.copyRule.count({ where: { targetId: target.id } })).toBe(0);
  });
});

describe("remote retention", () => {
  it("keeps the copies its own policy keeps, and the copy of a pinned snapshot; the local snapshots stay", async () => {
    const clock = new TestClock(Date.parse("2026-06-01T00:00:00Z"));
    const deps = newDeps(database, clock);
    const w = await makeWorkload(deps);
    const { target, folder } = await localTarget(deps, keepOnly({ keepLast: 2, includeManual: true }));
    await setCopyPolicy(deps, admin, { workloadId: w.id, targetIds: [target.id] });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      await clock.advanceTo(new Date(clock.now().getTime() + 3600_000), async () => {});
      ids.push((await createSnapshot(deps, admin, { workloadId: w.id })).id);
      if (i === 0) await pinSnapshot(deps, admin, { id: ids[0]!, pinned: true });
      await runDueCopies(deps);
    }
    const left = await deps.db.snapshotCopy.findMany({ where: { targetId: target.id }, select: { snapshotId: true } });
    expect(left.map((c) => c.snapshotId).sort()).toEqual([ids[0], ids[2], ids[3]].sort());
    expect((await fs.readdir(folder)).filter((f) => f.endsWith(".tar.gz")).sort()).toEqual(
      [ids[0], ids[2], ids[3]].map((id) => `${id}.tar.gz`).sort(),
    );
    expect(await fs.readdir(folder)).not.toContain(`${ids[1]}.json`);
    expect(await deps.db.snapshot.count({ where: { workloadId: w.id } })).toBe(4);
  });
});

describe("verification", () => {
  it("passes a good snapshot and copy; a changed copy is corrupt, a removed one missing, and both alert", async () => {
    receiver.requests.length = 0;
    const clock = new TestClock(Date.now());
    const deps = newDeps(database, clock);
    await createAlertTarget(deps, admin, { name: "hook", format: "json", url: `${receiver.origin}/verify`, events: ["verify-failed"] });
    const w = await makeWorkload(deps);
    const { target, folder } = await localTarget(deps);
    const snapshot = await createSnapshot(deps, admin, { workloadId: w.id });
    await copySnapshotNow(deps, admin, { id: snapshot.id, targetId: target.id });
    await runDueCopies(deps);

    const good = await verifySnapshot(deps, admin, { id: snapshot.id });
    expect(good).toMatchObject({ outcome: "passed", copies: [{ state: "verified" }] });
    expect(await deps.db.snapshot.findUniqueOrThrow({ where: { id: snapshot.id } })).toMatchObject({ verifyOutcome: "passed" });

    const remote = path.join(folder, `${snapshot.id}.tar.gz`);
    const bytes = await fs.readFile(remote);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    await fs.writeFile(remote, bytes);
    const corrupt = await verifySnapshot(deps, admin, { id: snapshot.id });
    expect(corrupt).toMatchObject({ outcome: "passed", copies: [{ state: "corrupt", reason: "copy-checksum-mismatch" }] });
    // The local file is good: the bad copy is queued to be written again, and is.
    expect(await copyRow(snapshot.id, target.id)).toMatchObject({ state: "queued", attempts: 0 });
    await runDueCopies(deps);
    expect(await sha256(remote)).toBe(snapshot.sha256);

    await fs.rm(remote);
    const missing = await verifySnapshot(deps, admin, { id: snapshot.id });
    expect(missing.copies).toMatchObject([{ state: "missing", reason: "copy-not-found-remote" }]);
    await deps.alerts.settled();
    expect(receiver.requests.map((r) => JSON.parse(r.body).reason)).toEqual(["copy-checksum-mismatch", "copy-not-found-remote"]);
  });

  it("leaves the copies on a disabled target alone: no check, no alert", async () => {
    receiver.requests.length = 0;
    const clock = new TestClock(Date.now());
    const deps = newDeps(database, clock);
    await createAlertTarget(deps, admin, { name: "hook", format: "json", url: `${receiver.origin}/disabled`, events: ["verify-failed"] });
    const w = await makeWorkload(deps);
    const { target, folder } = await localTarget(deps);
    const snapshot = await createSnapshot(deps, admin, { workloadId: w.id });
    await copySnapshotNow(deps, admin, { id: snapshot.id, targetId: target.id });
    await runDueCopies(deps);
    await updateStorageTarget(deps, admin, { id: target.id, enabled: false });
    await fs.rm(path.join(folder, `${snapshot.id}.tar.gz`));
    expect(await verifySnapshot(deps, admin, { id: snapshot.id })).toMatchObject({ outcome: "passed", copies: [{ state: "verified" }] });
    await deps.alerts.settled();
    expect(receiver.requests.map((r) => r.body)).toEqual([]);
  });

  it("fails a local file whose bytes changed, and one that is gone", async () => {
    const clock = new TestClock(Date.now());
    const deps = newDeps(database, clock);
    const w = await makeWorkload(deps);
    const snapshot = await createSnapshot(deps, admin, { workloadId: w.id });
    const file = snapshotFilePath(deps.dataDir, { workloadId: w.id, fileName: `${snapshot.id}.tar.gz` });
    const bytes = await fs.readFile(file);
    bytes[bytes.length - 20]! ^= 0x01;
    await fs.writeFile(file, bytes);
    const changed = await verifySnapshot(deps, admin, { id: snapshot.id });
    expect(changed).toMatchObject({ outcome: "failed", reason: "verify-checksum-mismatch" });
    const row = await deps.db.snapshot.findUniqueOrThrow({ where: { id: snapshot.id } });
    expect(row.verifyOutcome).toBe("failed");

    await fs.rm(file);
    expect(await verifySnapshot(deps, admin, { id: snapshot.id })).toMatchObject({ outcome: "failed", reason: "snapshot-file-missing" });
    expect(await deps.db.snapshot.findUniqueOrThrow({ where: { id: snapshot.id } })).toMatchObject({ fileMissing: true });
  });
});

describe("scheduled verification", () => {
  it("re-verifies each workload's newest snapshot and every copy once per interval, copies of pruned snapshots too", async () => {
    const clock = new TestClock(Date.now());
    const deps = newDeps(database, clock, HOUR);
    const w = await makeWorkload(deps);
    const { target, folder } = await localTarget(deps);
    const older = await createSnapshot(deps, admin, { workloadId: w.id });
    await clock.advanceTo(new Date(clock.now().getTime() + 1000), async () => {});
    const newest = await createSnapshot(deps, admin, { workloadId: w.id });
    await createSnapshot(deps, admin, { workloadId: w.id, kind: "pre-restore" });
    for (const id of [older.id, newest.id]) await copySnapshotNow(deps, admin, { id, targetId: target.id });
    await runDueCopies(deps);
    // The older snapshot was pruned here; its copy is kept on the target.
    await deleteSnapshot(deps, admin, older.id);
    const verifiedAt = async (id: string) => (await deps.db.snapshot.findUniqueOrThrow({ where: { id } })).verifiedAt;
    const checkedAt = async (id: string) => (await copyRow(id, target.id)).checkedAt!.getTime();
    const copiedAt = await checkedAt(older.id);

    const worker = new CopyWorker(deps);
    await worker.start();
    await worker.settled();
    // Just written and just copied: nothing is due yet.
    expect(await verifiedAt(newest.id)).toBeNull();

    // The worker sleeps at most five minutes between looks; an hour later both are due.
    const bytes = await fs.readFile(path.join(folder, `${older.id}.tar.gz`));
    bytes[42]! ^= 0xff;
    await fs.writeFile(path.join(folder, `${older.id}.tar.gz`), bytes);
    await clock.advanceTo(new Date(clock.now().getTime() + HOUR + 5 * 60_000), () => worker.settled());
    expect((await verifiedAt(newest.id))!.getTime()).toBeGreaterThanOrEqual(copiedAt + HOUR);
    expect(await checkedAt(older.id)).toBeGreaterThanOrEqual(copiedAt + HOUR);
    expect(await copyRow(older.id, target.id)).toMatchObject({ state: "corrupt" });
    expect(await verifyDue(deps)).toBe(0);
    worker.stop();
  });
});

describe("fetching copies back", () => {
  it("restores a missing or damaged local file from its copy, and recreates a snapshot pruned locally with its kind, label and time", async () => {
    const clock = new TestClock(Date.now());
    const deps = newDeps(database, clock);
    const w = await makeWorkload(deps);
    const { target } = await localTarget(deps);
    const snapshot = await createSnapshot(deps, admin, { workloadId: w.id, label: "keep me" });
    await copySnapshotNow(deps, admin, { id: snapshot.id, targetId: target.id });
    await runDueCopies(deps);
    const copy = await copyRow(snapshot.id, target.id);
    const file = snapshotFilePath(deps.dataDir, { workloadId: w.id, fileName: `${snapshot.id}.tar.gz` });

    await expect(fetchCopy(deps, admin, { copyId: copy.id })).rejects.toMatchObject({ reason: "snapshot-exists" });

    await fs.writeFile(file, "damaged");
    await fetchCopy(deps, admin, { copyId: copy.id });
    expect(await sha256(file)).toBe(snapshot.sha256);

    await fs.rm(file);
    await deps.db.snapshot.update({ where: { id: snapshot.id }, data: { fileMissing: true } });
    const back = await fetchCopy(deps, admin, { copyId: copy.id });
    expect(back).toMatchObject({ id: snapshot.id, fileMissing: false, verifyOutcome: "passed" });
    expect(await sha256(file)).toBe(snapshot.sha256);

    await deleteSnapshot(deps, admin, snapshot.id);
    const recreated = await fetchCopy(deps, admin, { copyId: copy.id });
    expect(recreated).toMatchObject({
      id: snapshot.id,
      kind: "manual",
      label: "keep me",
      createdAt: snapshot.createdAt,
      sha256: snapshot.sha256,
    });
    expect(recreated.manifest).toEqual(snapshot.manifest);
    expect(await sha256(file)).toBe(snapshot.sha256);
  });

  it("fetches one copy once when asked twice at the same time (a double click)", async () => {
    const clock = new TestClock(Date.now());
    const deps = newDeps(database, clock);
    const w = await makeWorkload(deps);
    const { target } = await localTarget(deps);
    const snapshot = await createSnapshot(deps, admin, { workloadId: w.id });
    await copySnapshotNow(deps, admin, { id: snapshot.id, targetId: target.id });
    await runDueCopies(deps);
    const file = snapshotFilePath(deps.dataDir, { workloadId: w.id, fileName: `${snapshot.id}.tar.gz` });
    await fs.rm(file);
    const copy = await copyRow(snapshot.id, target.id);
    const [first, second] = await Promise.allSettled([
      fetchCopy(deps, admin, { copyId: copy.id }),
      fetchCopy(deps, admin, { copyId: copy.id }),
    ]);
    expect(first.status).toBe("fulfilled");
    expect(second).toMatchObject({ status: "rejected", reason: { reason: "snapshot-exists" } });
    expect(await sha256(file)).toBe(snapshot.sha256);
  });

  it("refuses a copy whose bytes on the target changed, leaving nothing behind", async () => {
    const clock = new TestClock(Date.now());
    const deps = newDeps(database, clock);
    const w = await makeWorkload(deps);
    const { target, folder } = await localTarget(deps);
    const snapshot = await createSnapshot(deps, admin, { workloadId: w.id });
    await copySnapshotNow(deps, admin, { id: snapshot.id, targetId: target.id });
    await runDueCopies(deps);
    const remote = path.join(folder, `${snapshot.id}.tar.gz`);
    const bytes = await fs.readFile(remote);
    bytes[100]! ^= 0xff;
    await fs.writeFile(remote, bytes);
    await deleteSnapshot(deps, admin, snapshot.id);
    const copy = await copyRow(snapshot.id, target.id);
    await expect(fetchCopy(deps, admin, { copyId: copy.id })).rejects.toMatchObject({ reason: "copy-checksum-mismatch" });
    expect(await deps.db.snapshot.findUnique({ where: { id: snapshot.id } })).toBeNull();
    expect(await fs.readdir(path.dirname(snapshotFilePath(deps.dataDir, { workloadId: w.id, fileName: "x.tar.gz" })))).toEqual([]);
  });
});

describe("disaster recovery", () => {
  it("a new install pointed at the folder lists what is there and imports it into a workload", async () => {
    const clock = new TestClock(Date.now());
    const deps = newDeps(database, clock);
    const w = await makeWorkload(deps, "shop");
    const { target, folder } = await localTarget(deps);
    const snapshot = await createSnapshot(deps, admin, { workloadId: w.id, label: "nightly" });
    await copySnapshotNow(deps, admin, { id: snapshot.id, targetId: target.id });
    await runDueCopies(deps);

    const fresh = await createTestDatabase();
    try {
      const newHost = newDeps(fresh, new TestClock(Date.now()));
      const again = await createStorageTarget(newHost, admin, { kind: "local", name: "the same nas", folder });
      const found = await browseTarget(newHost, admin, { id: again.id });
      expect(found).toMatchObject([
        {
          name: `${snapshot.id}.tar.gz`,
          snapshotId: snapshot.id,
          known: false,
          here: false,
          described: { workloadName: "shop", label: "nightly" },
        },
      ]);
      const shop = await makeWorkload(newHost, "shop");
      const imported = await importFromTarget(newHost, admin, { targetId: again.id, name: found[0]!.name, workloadId: shop.id });
      expect(imported).toMatchObject({ id: snapshot.id, kind: "imported", label: "nightly", sha256: snapshot.sha256, workloadId: shop.id });
      expect(imported.manifest.volumes).toEqual(snapshot.manifest.volumes);
      expect(await sha256(snapshotFilePath(newHost.dataDir, { workloadId: shop.id, fileName: `${snapshot.id}.tar.gz` }))).toBe(
        snapshot.sha256,
      );
      expect(await browseTarget(newHost, admin, { id: again.id })).toMatchObject([{ known: true, here: true }]);
      await expect(
        importFromTarget(newHost, admin, { targetId: again.id, name: found[0]!.name, workloadId: shop.id }),
      ).rejects.toMatchObject({
        reason: "snapshot-exists",
      });
      // A damaged description does not hide the archive; the archive is still checked in full.
      await fs.writeFile(path.join(folder, `${snapshot.id}.json`), "{ not json");
      expect((await browseTarget(newHost, admin, { id: again.id }))[0]).not.toHaveProperty("described");
    } finally {
      await fresh.close();
    }
  });
});

describe("importing from a target", () => {
  it("refills this workload's lost file only with the bytes its row names, never the description's", async () => {
    const clock = new TestClock(Date.now());
    const deps = newDeps(database, clock);
    const w = await makeWorkload(deps);
    const { target, folder } = await localTarget(deps);
    const [a, b] = [await createSnapshot(deps, admin, { workloadId: w.id }), await createSnapshot(deps, admin, { workloadId: w.id })];
    for (const id of [a.id, b.id]) await copySnapshotNow(deps, admin, { id, targetId: target.id });
    await runDueCopies(deps);
    // On the target, a's name now holds another valid archive, and its description agrees with it.
    await fs.copyFile(path.join(folder, `${b.id}.tar.gz`), path.join(folder, `${a.id}.tar.gz`));
    const sidecar = JSON.parse(await fs.readFile(path.join(folder, `${a.id}.json`), "utf8"));
    await fs.writeFile(path.join(folder, `${a.id}.json`), JSON.stringify({ ...sidecar, sha256: b.sha256, size: Number(b.size) }));
    await fs.rm(snapshotFilePath(deps.dataDir, { workloadId: w.id, fileName: `${a.id}.tar.gz` }));
    await deps.db.snapshot.update({ where: { id: a.id }, data: { fileMissing: true } });

    await expect(importFromTarget(deps, admin, { targetId: target.id, name: `${a.id}.tar.gz`, workloadId: w.id })).rejects.toMatchObject({
      reason: expect.stringMatching(/^copy-(checksum|size)-mismatch$/),
    });
    expect(await deps.db.snapshot.findUniqueOrThrow({ where: { id: a.id } })).toMatchObject({ fileMissing: true, sha256: a.sha256 });
  });

  it("imports another workload's archive under a new id without recording a second copy of its file", async () => {
    const clock = new TestClock(Date.now());
    const deps = newDeps(database, clock);
    const [w1, w2] = [await makeWorkload(deps), await makeWorkload(deps)];
    const { target } = await localTarget(deps);
    const snapshot = await createSnapshot(deps, admin, { workloadId: w1.id });
    await copySnapshotNow(deps, admin, { id: snapshot.id, targetId: target.id });
    await runDueCopies(deps);
    const imported = await importFromTarget(deps, admin, { targetId: target.id, name: `${snapshot.id}.tar.gz`, workloadId: w2.id });
    expect(imported.id).not.toBe(snapshot.id);
    expect(imported).toMatchObject({ workloadId: w2.id, sha256: snapshot.sha256, kind: "imported" });
    expect(await deps.db.snapshotCopy.count({ where: { remoteName: `${snapshot.id}.tar.gz`, targetId: target.id } })).toBe(1);
  });
});

describe("targets", () => {
  it("refuses a local folder inside the data dir or relative, and a kind change; an update keeps the stored credentials", async () => {
    const deps = newDeps(database, new TestClock(Date.now()));
    await expect(
      createStorageTarget(deps, admin, { kind: "local", name: "x", folder: path.join(deps.dataDir, "copies") }),
    ).rejects.toMatchObject({
      reason: "target-folder-invalid",
    });
    await expect(createStorageTarget(deps, admin, { kind: "local", name: "x", folder: "relative/dir" })).rejects.toMatchObject({
      reason: "target-folder-invalid",
    });
    await expect(
      createStorageTarget(deps, admin, { kind: "sftp", name: "x", host: "nas.lan", port: 22, username: "u", folder: "/b" }),
    ).rejects.toMatchObject({ reason: "target-credentials-required" });
    await expect(
      createStorageTarget(deps, admin, {
        kind: "sftp",
        name: "x",
        host: "u@nas.lan:22",
        port: 22,
        username: "u",
        folder: "/b",
        password: "p",
      }),
    ).rejects.toMatchObject({ reason: "target-host-invalid" });
    const sftp = await createStorageTarget(deps, admin, {
      kind: "sftp",
      name: "x",
      host: "nas.lan",
      port: 22,
      username: "u",
      folder: "/b",
      password: "s3cret",
    });
    expect(sftp).toMatchObject({ auth: "password", hostKey: null });
    expect(JSON.stringify(sftp)).not.toContain("s3cret");
    const row = await deps.db.storageTarget.findUniqueOrThrow({ where: { id: sftp.id } });
    expect(row.secretSealed).not.toContain("s3cret");
    await deps.db.storageTarget.update({ where: { id: sftp.id }, data: { hostKey: "SHA256:abc" } });
    const renamed = await updateStorageTarget(deps, admin, {
      id: sftp.id,
      name: "y",
      where: { kind: "sftp", host: "nas.lan", port: 22, username: "u", folder: "/c" },
    });
    expect(renamed).toMatchObject({ name: "y", folder: "/c", auth: "password", hostKey: "SHA256:abc" });
    expect((await deps.db.storageTarget.findUniqueOrThrow({ where: { id: sftp.id } })).secretSealed).toBe(row.secretSealed);
    // Another host is another server: its key is pinned afresh.
    expect(
      await updateStorageTarget(deps, admin, {
        id: sftp.id,
        where: { kind: "sftp", host: "nas2.lan", port: 22, username: "u", folder: "/c" },
      }),
    ).toMatchObject({
      hostKey: null,
    });
    await expect(updateStorageTarget(deps, admin, { id: sftp.id, where: { kind: "local", folder: "/mnt/x" } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });
});
