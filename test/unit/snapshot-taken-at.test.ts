// Issue 17 (6): an imported snapshot keeps when its archive was taken (the manifest's createdAt)
// beside when it arrived (createdAt): an upload, an import from a storage target (disaster
// recovery) and a copy fetched back after the local one was deleted. Real SQLite, real archives,
// a real folder as the target, the in-memory container runtime.
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineDeps } from "~/server/create-engine-deps";
import { systemActor } from "~/server/engine/actor";
import { readSnapshotArchive } from "~/server/engine/archive/strict-reader";
import type { EngineDeps } from "~/server/engine/deps";
import { createSnapshot } from "~/server/engine/snapshots/capture";
import { importSnapshot } from "~/server/engine/snapshots/import";
import { deleteSnapshot, getSnapshot, listSnapshots, snapshotFilePath } from "~/server/engine/snapshots/snapshot-store";
import { CopyTasks } from "~/server/engine/storage/copy-tasks";
import { copySnapshotNow, runDueCopies } from "~/server/engine/storage/copy-run";
import { fetchCopy } from "~/server/engine/storage/fetch-copy";
import { importFromTarget } from "~/server/engine/storage/remote-archives";
import { createStorageTarget } from "~/server/engine/storage/storage-targets";
import { engineSettingsFromEnv } from "~/server/settings";
import { dir, file, gzip, snapshotTar } from "../support/archive-builder";
import { MemoryRuntime } from "../support/memory-runtime";
import { makeDataWorkload } from "../support/memory-workload";
import { TestClock } from "../support/test-clock";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

const IMAGE = "berth-test/app:1";
const admin = systemActor("taken-at-test");
const TAKEN = "2023-05-06T07:08:09.000Z";

let database: TestDatabase;
let deps: EngineDeps;
let scratch: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const settings = engineSettingsFromEnv({ BERTH_DATA_DIR: database.dataDir, BERTH_SCHEDULE_JITTER_SECONDS: "0" });
  deps = createEngineDeps(database.db, settings, {
    runtime: new MemoryRuntime([IMAGE]),
    clock: new TestClock(Date.now()),
    copies: new CopyTasks({ retryDelaysMs: [1_000], verifyIntervalMs: 0 }),
  });
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), "berth-taken-at-"));
}, 60_000);

afterAll(async () => {
  await database?.close();
  if (scratch) await fs.rm(scratch, { recursive: true, force: true });
});

const makeWorkload = (name: string) =>
  makeDataWorkload(deps, admin, { image: IMAGE, name, file: "file.bin", data: () => randomBytes(10_000) });

/** An archive of one volume at /data whose manifest says it was taken at `createdAt`. */
const archiveTakenAt = (createdAt: string) =>
  gzip(
    snapshotTar([dir("volumes/0/", { mode: 0o755 }), file("volumes/0/hello.txt", "hello\n")], {
      volumes: 1,
      manifest: { createdAt, volumes: [{ index: 0, target: "/data", scope: "stage", source: "data", files: 1, bytes: 6 }] },
    }),
  );

async function manifestCreatedAt(file: string): Promise<string> {
  return (await readSnapshotArchive(createReadStream(file), {})).manifest.createdAt;
}

describe("takenAt", () => {
  it("an uploaded archive's takenAt is its manifest's createdAt; createdAt is the import", async () => {
    const w = await makeWorkload("upload");
    const before = Date.now();
    const { snapshot } = await importSnapshot(deps, admin, { workloadId: w.id, body: Readable.from([archiveTakenAt(TAKEN)]) });
    expect(snapshot.takenAt?.toISOString()).toBe(TAKEN);
    expect(snapshot.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    // The list and the single view say the same (they read the row).
    expect((await getSnapshot(deps, admin, snapshot.id)).takenAt?.toISOString()).toBe(TAKEN);
    expect((await listSnapshots(deps, admin, { workloadId: w.id }))[0]?.takenAt?.toISOString()).toBe(TAKEN);
  });

  it("a snapshot this server captured has none (createdAt is when it was taken)", async () => {
    const w = await makeWorkload("captured");
    const snapshot = await createSnapshot(deps, admin, { workloadId: w.id });
    expect(snapshot.kind).toBe("manual");
    expect(snapshot.takenAt).toBeNull();
  });

  it("an import from a storage target keeps the manifest's time, and so does the copy fetched back after a delete", async () => {
    const source = await makeWorkload("source");
    const folder = await fs.mkdtemp(path.join(scratch, "target-"));
    const target = await createStorageTarget(deps, admin, { kind: "local", name: "taken-at nas", folder, retention: null });
    const captured = await createSnapshot(deps, admin, { workloadId: source.id });
    const capturedAt = await manifestCreatedAt(
      snapshotFilePath(deps.dataDir, { workloadId: source.id, fileName: `${captured.id}.tar.gz` }),
    );
    await copySnapshotNow(deps, admin, { id: captured.id, targetId: target.id });
    await runDueCopies(deps);

    // Another workload imports it (disaster recovery onto a new workload): a new id, kind imported.
    const other = await makeWorkload("other");
    const imported = await importFromTarget(deps, admin, { targetId: target.id, name: `${captured.id}.tar.gz`, workloadId: other.id });
    expect(imported.kind).toBe("imported");
    expect(imported.takenAt?.toISOString()).toBe(new Date(capturedAt).toISOString());

    // An uploaded import copied off-host, deleted here, fetched back: its takenAt comes back with it.
    const { snapshot: upload } = await importSnapshot(deps, admin, { workloadId: other.id, body: Readable.from([archiveTakenAt(TAKEN)]) });
    await copySnapshotNow(deps, admin, { id: upload.id, targetId: target.id });
    await runDueCopies(deps);
    const copy = await deps.db.snapshotCopy.findUniqueOrThrow({
      where: { snapshotId_targetId: { snapshotId: upload.id, targetId: target.id } },
    });
    await deleteSnapshot(deps, admin, upload.id);
    const back = await fetchCopy(deps, admin, { copyId: copy.id });
    expect(back).toMatchObject({ id: upload.id, kind: "imported" });
    expect(back.takenAt?.toISOString()).toBe(TAKEN);
  });
});
