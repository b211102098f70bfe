// Issue 12: the import policy for setuid/setgid, with the real engine, SQLite and a real
// container. (a) importSnapshot stores the admin's choice on the row (absent = strip), the
// snapshot view shows it for imports only, the audit records it. (b) A restore applies it:
// an import not marked as trusted comes back without setuid/setgid on files (directories keep
// setgid), every stripped file is reported; a trusted import and a snapshot this server
// captured keep them.
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "~/server/db";
import { engineDeps } from "~/server/engine-deps";
import { restoreSnapshot } from "~/server/engine/restore/restore";
import { createSnapshot } from "~/server/engine/snapshots/capture";
import { importSnapshot } from "~/server/engine/snapshots/import";
import { getSnapshot, listSnapshots } from "~/server/engine/snapshots/snapshot-store";
import { deployWorkload } from "~/server/engine/workloads/workloads";
import { dir, file, gzip, snapshotTar } from "../support/archive-builder";
import { removeWorkloadContainersAfterAll } from "../support/container-cleanup";
import { makeWorkload, testActor } from "../support/workload-fixtures";

removeWorkloadContainersAfterAll();

const TARGET = "/data0";
let workloadId: string;
let live: string;
let scratch: string;

/**
 * A format-2 archive of one volume at /data0: a setuid and a setgid program, a plain
 * executable, and a setgid+sticky directory (directories always keep their bits).
 */
function specialBitsArchive(): Buffer {
  return gzip(
    snapshotTar(
      [
        dir("volumes/0/", { mode: 0o755 }),
        dir("volumes/0/bin/", { mode: 0o755 }),
        file("volumes/0/bin/su", "#!/bin/sh\necho su\n", { mode: 0o4755 }),
        file("volumes/0/bin/sg", "#!/bin/sh\necho sg\n", { mode: 0o2755 }),
        file("volumes/0/bin/plain", "#!/bin/sh\necho plain\n", { mode: 0o755 }),
        dir("volumes/0/shared/", { mode: 0o3775 }),
      ],
      { volumes: 1, manifest: { version: 2 } },
    ),
  );
}

let archivePath: string;
const importIt = (keepSpecialBits?: boolean) =>
  importSnapshot({ ...engineDeps, importMaxBytes: 1024 * 1024 }, testActor, {
    workloadId,
    body: createReadStream(archivePath),
    keepSpecialBits,
  });

const modeOf = async (rel: string) => (await fs.lstat(path.join(live, rel))).mode & 0o7777;
const modes = async () => ({
  su: await modeOf("bin/su"),
  sg: await modeOf("bin/sg"),
  plain: await modeOf("bin/plain"),
  shared: await modeOf("shared"),
});

/** The restore result's report of stripped files (part of the result since format 2). */
const strippedOf = (result: unknown) => (result as { strippedSpecialBits?: { count: number; paths: string[] } }).strippedSpecialBits;

beforeAll(async () => {
  const w = await makeWorkload({ name: "setuid", volumes: [{ target: TARGET, scope: "stage", source: "data0" }] });
  workloadId = w.id;
  await deployWorkload(engineDeps, testActor, w.id);
  live = path.join(engineDeps.dataDir, "volumes/projects", w.projectSlug, "stages/production", "data0");
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), "berth-special-bits-it-"));
  archivePath = path.join(scratch, "special.tar.gz");
  await fs.writeFile(archivePath, specialBitsArchive());
});
afterAll(() => fs.rm(scratch, { recursive: true, force: true }));

describe("import stores the special-bits choice", () => {
  it("absent and false mean strip, true means keep: on the row, in the view and in the audit", async () => {
    const absent = await importIt();
    const off = await importIt(false);
    const on = await importIt(true);
    expect(absent.matched).toEqual([TARGET]);
    expect([absent, off, on].map((r) => r.snapshot.keepSpecialBits)).toEqual([false, false, true]);
    const rows = await db.snapshot.findMany({ where: { id: { in: [absent.snapshot.id, off.snapshot.id, on.snapshot.id] } } });
    expect(Object.fromEntries(rows.map((r) => [r.id, r.keepSpecialBits]))).toEqual({
      [absent.snapshot.id]: false,
      [off.snapshot.id]: false,
      [on.snapshot.id]: true,
    });
    expect((await getSnapshot(engineDeps, testActor, on.snapshot.id)).keepSpecialBits).toBe(true);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { action: "snapshot.import", target: on.snapshot.id } });
    expect(JSON.parse(audit.detail!)).toMatchObject({ keepSpecialBits: true });
    await db.snapshot.deleteMany({ where: { id: { in: [absent.snapshot.id, off.snapshot.id, on.snapshot.id] } } });
  });

  it("a snapshot this server captured has no keepSpecialBits in its view (it always keeps them)", async () => {
    const captured = await createSnapshot(engineDeps, testActor, { workloadId, label: "captured" });
    const view = (await listSnapshots(engineDeps, testActor, { workloadId: workloadId })).find((s) => s.id === captured.id)!;
    expect(view.kind).toBe("manual");
    expect(view).not.toHaveProperty("keepSpecialBits");
    await db.snapshot.delete({ where: { id: captured.id } });
  });
});

describe("restore applies it", () => {
  it("an untrusted import loses setuid/setgid on files, each one reported; directories keep setgid and sticky", async () => {
    const imported = await importIt();
    const result = await restoreSnapshot(engineDeps, testActor, {
      workloadId,
      snapshotId: imported.snapshot.id,
      confirm: imported.snapshot.id,
    });
    await engineDeps.restores.settled();
    expect(await modes()).toEqual({ su: 0o755, sg: 0o755, plain: 0o755, shared: 0o3775 });
    const stripped = strippedOf(result);
    expect(stripped?.count).toBe(2);
    expect([...(stripped?.paths ?? [])].sort()).toEqual([`${TARGET}/bin/sg`, `${TARGET}/bin/su`]);
  });

  it("a trusted import keeps them, and reports nothing stripped", async () => {
    const imported = await importIt(true);
    const result = await restoreSnapshot(engineDeps, testActor, {
      workloadId,
      snapshotId: imported.snapshot.id,
      confirm: imported.snapshot.id,
    });
    await engineDeps.restores.settled();
    expect(await modes()).toEqual({ su: 0o4755, sg: 0o2755, plain: 0o755, shared: 0o3775 });
    expect(strippedOf(result)).toEqual({ count: 0, paths: [] });
  });

  it("a snapshot this server captured keeps them", async () => {
    // The live volume holds the setuid/setgid files from the trusted restore above.
    const captured = await createSnapshot(engineDeps, testActor, { workloadId, label: "with setuid" });
    await fs.chmod(path.join(live, "bin/su"), 0o755);
    await fs.chmod(path.join(live, "bin/sg"), 0o755);
    const result = await restoreSnapshot(engineDeps, testActor, { workloadId, snapshotId: captured.id, confirm: captured.id });
    await engineDeps.restores.settled();
    expect(await modes()).toEqual({ su: 0o4755, sg: 0o2755, plain: 0o755, shared: 0o3775 });
    expect(strippedOf(result)).toEqual({ count: 0, paths: [] });
  });
});
