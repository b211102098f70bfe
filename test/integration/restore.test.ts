import { execFileSync, spawnSync } from "node:child_process";
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { lockDataDir } from "~/server/data-dir-lock";
import { db } from "~/server/db";
import { engineDeps } from "~/server/engine-deps";
import { journalDir } from "~/server/engine/restore/journal";
import { extractSnapshotArchive } from "~/server/engine/archive/extractor";
import { restoreSnapshot } from "~/server/engine/restore/restore";
import { listRestoreRuns } from "~/server/engine/restore/restore-runs";
import { undoRestore } from "~/server/engine/restore/undo-restore";
import { createSnapshot } from "~/server/engine/snapshots/capture";
import { snapshotFilePath } from "~/server/engine/snapshots/snapshot-store";
import { deployWorkload, getWorkload } from "~/server/engine/workloads/workloads";
import { removeWorkloadContainersAfterAll } from "../support/container-cleanup";
import { hashTree } from "../support/hash-tree";
import { makeWorkload, testActor } from "../support/workload-fixtures";
import { restoreChild } from "../support/restore-child-process";

removeWorkloadContainersAfterAll();
const root = path.resolve(import.meta.dirname, "../..");
const volumeDir = (project: string, source: string) =>
  path.join(engineDeps.dataDir, "volumes/projects", project, "stages/production", source);

async function fill(dir: string, version: "snapshot" | "current") {
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(path.join(dir, "sub/deeper"), { recursive: true });
  await fs.writeFile(path.join(dir, "common.txt"), `${version} common\n`);
  await fs.writeFile(path.join(dir, "sub/deeper/file.bin"), Buffer.alloc(200_000, version === "snapshot" ? 1 : 2));
  await fs.writeFile(path.join(dir, `only-${version}.txt`), version);
  await fs.chmod(path.join(dir, "common.txt"), version === "snapshot" ? 0o600 : 0o644);
}

/** A running two-volume workload whose snapshot holds "snapshot" data and whose live data is "current". */
async function scenario(name: string) {
  const w = await makeWorkload({
    name,
    volumes: [
      { target: "/a", scope: "stage", source: "a" },
      { target: "/b", scope: "stage", source: "b" },
    ],
  });
  await deployWorkload(engineDeps, testActor, w.id);
  const a = volumeDir(w.projectSlug, "a");
  const b = volumeDir(w.projectSlug, "b");
  await fill(a, "snapshot");
  await fill(b, "snapshot");
  const snapshot = await createSnapshot(engineDeps, testActor, { workloadId: w.id, label: `${name} good` });
  const expected = { a: await hashTree(a), b: await hashTree(b) };
  await fill(a, "current");
  await fill(b, "current");
  const current = { a: await hashTree(a), b: await hashTree(b) };
  return { w, a, b, snapshot, expected, current };
}

async function leftovers(...volumeDirs: string[]) {
  const parents = new Set(volumeDirs.map((d) => path.dirname(d)));
  const names: string[] = [];
  for (const p of parents) names.push(...(await fs.readdir(p)).filter((n) => n.startsWith(".berth-")));
  names.push(...(await fs.readdir(journalDir(engineDeps.dataDir)).catch(() => [] as string[])));
  return names;
}

/** The volumes a stored snapshot's archive holds, as trees (extracted into a temp dir). */
async function archiveTrees(snapshotId: string): Promise<Record<string, string>[]> {
  const row = await db.snapshot.findUniqueOrThrow({ where: { id: snapshotId } });
  const dir = await fs.mkdtemp(path.join(engineDeps.dataDir, "extract-"));
  try {
    const volumes = (JSON.parse(row.manifest) as { volumes: { index: number }[] }).volumes;
    const targets = new Map(
      await Promise.all(volumes.map(async (v) => [v.index, await fs.mkdtemp(path.join(dir, `${v.index}-`))] as const)),
    );
    await extractSnapshotArchive(createReadStream(snapshotFilePath(engineDeps.dataDir, row)), { targets });
    return await Promise.all([...targets.values()].map((t) => hashTree(t)));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

describe("restore", () => {
  it("replaces the live data with the snapshot's, byte for byte, and the pre-restore snapshot undoes it", async () => {
    const s = await scenario("happy");
    const result = await restoreSnapshot(engineDeps, testActor, { workloadId: s.w.id, snapshotId: s.snapshot.id, confirm: s.snapshot.id });
    expect(result).toMatchObject({
      restored: ["/a", "/b"],
      untouched: [],
      undoCopy: "pending",
      upAfterMs: expect.any(Number),
      downtimeMs: expect.any(Number),
    });
    expect(await hashTree(s.a)).toEqual(s.expected.a);
    expect(await hashTree(s.b)).toEqual(s.expected.b);
    expect((await fs.stat(s.a)).mode & 0o777).toBe(0o755);
    expect((await getWorkload(engineDeps, testActor, s.w.id)).status.state).toBe("running");
    // Back up before the undo copy exists: the replaced data waits beside the volumes.
    expect((await leftovers(s.a, s.b)).filter((n) => n.startsWith(".berth-backup-"))).toHaveLength(2);

    await engineDeps.restores.settled();
    expect(await leftovers(s.a, s.b)).toEqual([]);
    const run = await db.restoreRun.findUniqueOrThrow({ where: { id: result.restoreRunId } });
    expect(run).toMatchObject({
      outcome: "succeeded",
      phase: "done",
      preRestoreSnapshotId: result.preRestoreSnapshotId,
      undoCopy: "saved",
    });
    expect(run.finishedAt).not.toBeNull();
    const pre = await db.snapshot.findUniqueOrThrow({ where: { id: result.preRestoreSnapshotId! } });
    expect(pre).toMatchObject({ kind: "pre-restore", label: "before restoring happy good" });
    expect(await archiveTrees(pre.id)).toEqual([s.current.a, s.current.b]);

    // Undo: restoring the pre-restore snapshot brings back the bytes from before.
    await restoreSnapshot(engineDeps, testActor, { workloadId: s.w.id, snapshotId: pre.id, confirm: pre.id });
    expect(await hashTree(s.a)).toEqual(s.current.a);
    expect(await hashTree(s.b)).toEqual(s.current.b);
    const audit = await db.auditEvent.findMany({
      where: { target: { in: [s.snapshot.id, pre.id] }, action: { startsWith: "snapshot.restore" } },
      orderBy: { at: "asc" },
    });
    expect(audit.map((e) => [e.action, e.target, e.outcome])).toEqual([
      ["snapshot.restore", s.snapshot.id, "success"],
      ["snapshot.restore.undo", pre.id, "success"],
    ]);
  });

  it("checks the confirm rule and that the snapshot belongs to the workload", async () => {
    const s = await scenario("rules");
    const other = await makeWorkload({ name: "other" });
    await expect(
      restoreSnapshot(engineDeps, testActor, { workloadId: s.w.id, snapshotId: s.snapshot.id, confirm: "yes" }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/confirm must equal the snapshot id/),
    });
    await expect(
      restoreSnapshot(engineDeps, testActor, { workloadId: other.id, snapshotId: s.snapshot.id, confirm: s.snapshot.id }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/belongs to another workload/),
    });
    expect(await hashTree(s.a)).toEqual(s.current.a);
  });

  it("refuses a stored file whose sha256 no longer matches, before touching anything", async () => {
    const s = await scenario("tampered");
    const file = snapshotFilePath(engineDeps.dataDir, { workloadId: s.w.id, fileName: `${s.snapshot.id}.tar.gz` });
    const bytes = await fs.readFile(file);
    bytes[bytes.length - 20]! ^= 0xff;
    await fs.writeFile(file, bytes);
    await expect(
      restoreSnapshot(engineDeps, testActor, { workloadId: s.w.id, snapshotId: s.snapshot.id, confirm: s.snapshot.id }),
    ).rejects.toMatchObject({
      message: expect.stringMatching(/checksum|gzip|crc/i),
    });
    expect(await hashTree(s.a)).toEqual(s.current.a);
    expect((await getWorkload(engineDeps, testActor, s.w.id)).status.state).toBe("running");
    expect(await db.snapshot.count({ where: { workloadId: s.w.id, kind: "pre-restore" } })).toBe(0);
    // The history says why as a code the UI translates, with the English beside it for API clients.
    const [run] = await listRestoreRuns(engineDeps, testActor, { workloadId: s.w.id });
    expect(run).toMatchObject({
      outcome: "failed",
      detailReason: expect.stringMatching(/^[a-z-]+$/),
      detail: expect.stringMatching(/checksum|gzip|crc/i),
    });
  });

  it("refuses a snapshot volume the current config no longer has, naming it", async () => {
    const s = await scenario("renamed");
    await db.workload.update({
      where: { id: s.w.id },
      data: {
        volumes: JSON.stringify([
          { target: "/a", scope: "stage", source: "a" },
          { target: "/c", scope: "stage", source: "b" },
        ]),
      },
    });
    await expect(
      restoreSnapshot(engineDeps, testActor, { workloadId: s.w.id, snapshotId: s.snapshot.id, confirm: s.snapshot.id }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/no longer has as writable binds: \/b; nothing was changed/),
    });
    expect(await hashTree(s.a)).toEqual(s.current.a);
  });

  it("writes only to the current config's paths, whatever the manifest's source says", async () => {
    const s = await scenario("moved");
    // The volume /b now lives elsewhere; the snapshot's manifest still says source "b".
    await db.workload.update({
      where: { id: s.w.id },
      data: {
        volumes: JSON.stringify([
          { target: "/a", scope: "stage", source: "a" },
          { target: "/b", scope: "stage", source: "b-moved" },
        ]),
      },
    });
    await restoreSnapshot(engineDeps, testActor, { workloadId: s.w.id, snapshotId: s.snapshot.id, confirm: s.snapshot.id });
    expect(await hashTree(volumeDir(s.w.projectSlug, "b-moved"))).toEqual(s.expected.b);
    expect(await hashTree(s.b)).toEqual(s.current.b); // the old location is not written
  });

  it("runs one restore per workload at a time: 20 parallel calls, one runs, the rest CONFLICT; a deploy waits", async () => {
    const s = await scenario("busy");
    const t = await scenario("parallel");
    const calls = Array.from({ length: 20 }, () =>
      restoreSnapshot(engineDeps, testActor, { workloadId: s.w.id, snapshotId: s.snapshot.id, confirm: s.snapshot.id }).then(
        () => "ok",
        (e: { code?: string }) => e.code,
      ),
    );
    const otherWorkload = restoreSnapshot(engineDeps, testActor, { workloadId: t.w.id, snapshotId: t.snapshot.id, confirm: t.snapshot.id });
    await new Promise((r) => setTimeout(r, 300));
    let deployFinishedAt = 0;
    const deploy = deployWorkload(engineDeps, testActor, s.w.id).then(() => (deployFinishedAt = Date.now()));
    const outcomes = await Promise.all(calls);
    const restoreFinishedAt = Date.now();
    expect(outcomes.filter((o) => o === "ok")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "CONFLICT")).toHaveLength(19);
    await Promise.all([deploy, otherWorkload]);
    expect(deployFinishedAt).toBeGreaterThanOrEqual(restoreFinishedAt - 5);
    expect(await hashTree(t.a)).toEqual(t.expected.a);
  });
});

const RESTORE_POINTS = [
  "after-staging",
  "after-stop",
  "after-intent",
  "swap-0-after-backup",
  "swap-0-after-live",
  "swap-1-after-backup",
  "swap-1-after-live",
  "after-commit",
  "after-redeploy",
  "after-up",
  "undo-copy-during-archive",
  "undo-copy-after-file",
  "undo-copy-after-row",
  "after-archived",
  "after-backup-removal",
  "after-done-record",
  "after-done",
];
const COMMITTED = RESTORE_POINTS.slice(RESTORE_POINTS.indexOf("after-commit"));
// Once the run is recorded as up, recovery only resumes the undo copy, which it does not audit.
const RECOVERED = new Set(RESTORE_POINTS.slice(0, RESTORE_POINTS.indexOf("after-up") + 1).concat("after-done-record"));

const child = restoreChild;

/**
 * The backup folders are never removed before the undo copy holding them is durable: at any
 * kill point, a volume's old data is either in its backup folder or in a recorded archive.
 */
async function oldDataKept(s: Awaited<ReturnType<typeof scenario>>, preRestoreSnapshotId: string) {
  const parent = path.dirname(s.a);
  const backups = (await fs.readdir(parent)).filter((n) => n.startsWith(".berth-backup-")).sort();
  if (backups.length === 2) return [await hashTree(path.join(parent, backups[0]!)), await hashTree(path.join(parent, backups[1]!))];
  return archiveTrees(preRestoreSnapshotId);
}

describe("crash matrix: SIGKILL at every step, then recovery in a fresh process", () => {
  it.each(RESTORE_POINTS)("killed at %s: all volumes entirely old or entirely new, the old data kept, nothing left over", async (point) => {
    const s = await scenario(`crash-${RESTORE_POINTS.indexOf(point)}`);
    const killed = child(["restore", s.w.id, s.snapshot.id], point);
    expect(killed.signal, killed.stderr).toBe("SIGKILL");
    const committed = COMMITTED.includes(point);
    const [run] = await db.restoreRun.findMany({ where: { workloadId: s.w.id } });
    if (committed) expect(await oldDataKept(s, run!.preRestoreSnapshotId!)).toEqual([s.current.a, s.current.b]);
    // Killed before the swap, the workload was never stopped.
    if (point === "after-staging") expect((await getWorkload(engineDeps, testActor, s.w.id)).status.state).toBe("running");

    const recovered = child(["recover"]);
    expect(recovered.status, recovered.stderr).toBe(0);
    const want = committed ? s.expected : s.current;
    expect(await hashTree(s.a)).toEqual(want.a);
    expect(await hashTree(s.b)).toEqual(want.b);
    expect(await leftovers(s.a, s.b)).toEqual([]);
    expect((await getWorkload(engineDeps, testActor, s.w.id)).status.state).toBe("running");
    const runs = await db.restoreRun.findMany({ where: { workloadId: s.w.id } });
    expect(runs).toHaveLength(1);
    expect(runs[0]!.outcome).toMatch(committed ? /^(succeeded|completed-at-boot)$/ : /^rolled-back-at-boot$/);
    expect(runs[0]!.finishedAt).not.toBeNull();
    if (committed) {
      // The undo copy was saved (resumed by recovery where the kill cut it short) and holds the old data.
      expect(runs[0]).toMatchObject({ undoCopy: "saved", phase: "done" });
      expect(await archiveTrees(runs[0]!.preRestoreSnapshotId!)).toEqual([s.current.a, s.current.b]);
    } else {
      expect(await db.snapshot.count({ where: { workloadId: s.w.id, kind: "pre-restore" } })).toBe(0);
    }
    // Killed after DONE the restore had done everything: it succeeded.
    if (point === "after-done-record") expect(runs[0]).toMatchObject({ outcome: "succeeded", detail: null });
    // Boot recovery leaves an audit trail whenever it had something to finish or undo.
    const recoveries = await db.auditEvent.count({ where: { action: "snapshot.restore.recover", target: s.snapshot.id } });
    expect(recoveries).toBe(RECOVERED.has(point) ? 1 : 0);
  });

  const UNDO_POINTS = [
    "undo-after-intent",
    "undo-0-after-live-out",
    "undo-0-after-backup-in",
    "undo-1-after-live-out",
    "undo-1-after-backup-in",
    "undo-after-redeploy",
    "undo-after-up",
  ];
  it.each(UNDO_POINTS)(
    "killed during an O(1) undo at %s: the old data back whole, the restored data kept as the undo's copy",
    async (point) => {
      const s = await scenario(`undo-crash-${UNDO_POINTS.indexOf(point)}`);
      const killed = child(["restore-undo", s.w.id, s.snapshot.id], point);
      expect(killed.signal, killed.stderr).toBe("SIGKILL");

      const recovered = child(["recover"]);
      expect(recovered.status, recovered.stderr).toBe(0);
      expect(await hashTree(s.a)).toEqual(s.current.a);
      expect(await hashTree(s.b)).toEqual(s.current.b);
      expect(await leftovers(s.a, s.b)).toEqual([]);
      expect((await getWorkload(engineDeps, testActor, s.w.id)).status.state).toBe("running");
      const [undo, restore] = await db.restoreRun.findMany({ where: { workloadId: s.w.id }, orderBy: { startedAt: "desc" } });
      expect(restore).toMatchObject({ outcome: "succeeded", undoCopy: "undone" });
      expect(undo).toMatchObject({ undoOf: restore!.id, undoCopy: "saved", phase: "done" });
      expect(undo!.outcome).toMatch(/^(succeeded|completed-at-boot)$/);
      expect(await archiveTrees(undo!.preRestoreSnapshotId!)).toEqual([s.expected.a, s.expected.b]);
      // The restore's own copy was never made: its data is live again.
      expect(await db.snapshot.count({ where: { id: restore!.preRestoreSnapshotId! } })).toBe(0);
    },
  );

  const RECOVERY_POINTS = [
    "recovery-after-volume-rollback",
    "recovery-after-forward-swaps",
    "recovery-before-redeploy",
    "recovery-before-journal-removal",
  ];
  it.each([
    ["swap-1-after-backup", "current"],
    ["after-commit", "expected"],
  ] as const)("recovery killed at each of its own steps after a crash at %s, then rerun, still converges", async (point, outcome) => {
    for (const recoveryPoint of RECOVERY_POINTS) {
      const s = await scenario(`rc-${point.length}-${RECOVERY_POINTS.indexOf(recoveryPoint)}`);
      expect(child(["restore", s.w.id, s.snapshot.id], point).signal).toBe("SIGKILL");
      const first = child(["recover"], recoveryPoint);
      expect([0, null], first.stderr).toContain(first.status);
      const second = child(["recover"]);
      expect(second.status, second.stderr).toBe(0);
      expect(await hashTree(s.a), recoveryPoint).toEqual(s[outcome].a);
      expect(await hashTree(s.b), recoveryPoint).toEqual(s[outcome].b);
      expect(await leftovers(s.a, s.b)).toEqual([]);
      expect((await getWorkload(engineDeps, testActor, s.w.id)).status.state).toBe("running");
    }
  });
});

// chattr +i: a real, kernel-enforced refusal (EPERM, even for root) on the real filesystem.
const chattr = (flag: "+i" | "-i", target: string) => execFileSync("chattr", [flag, target]);
const runOf = async (workloadId: string) => (await db.restoreRun.findMany({ where: { workloadId } }))[0]!;
const stateOf = async (workloadId: string) => (await getWorkload(engineDeps, testActor, workloadId)).status.state;

describe("restore bookkeeping", () => {
  it("when the old data cannot be removed after its undo copy is saved, the restore still succeeded and the next start finishes", async () => {
    const s = await scenario("removal-fails");
    // The old data of /a cannot be deleted: removing the backup after the undo copy fails.
    const stuck = path.join(s.a, "common.txt");
    chattr("+i", stuck);
    let backupFile = "";
    try {
      const result = await restoreSnapshot(engineDeps, testActor, {
        workloadId: s.w.id,
        snapshotId: s.snapshot.id,
        confirm: s.snapshot.id,
      });
      await engineDeps.restores.settled();
      expect(await hashTree(s.a)).toEqual(s.expected.a);
      expect(await hashTree(s.b)).toEqual(s.expected.b);
      expect(await stateOf(s.w.id)).toBe("running");
      // The copy is saved and recorded; the run says so and is not finished.
      expect(await runOf(s.w.id)).toMatchObject({ outcome: "succeeded", undoCopy: "saved", finishedAt: null });
      expect(await archiveTrees(result.preRestoreSnapshotId!)).toEqual([s.current.a, s.current.b]);
      const backup = (await fs.readdir(path.dirname(s.a))).find((n) => n.startsWith(".berth-backup-"))!;
      backupFile = path.join(path.dirname(s.a), backup, "common.txt");
      // Nothing is blocked meanwhile: the workload can be deployed.
      await deployWorkload(engineDeps, testActor, s.w.id);
    } finally {
      chattr("-i", backupFile || stuck);
    }
    const recovered = child(["recover"]);
    expect(recovered.status, recovered.stderr).toBe(0);
    expect(await leftovers(s.a, s.b)).toEqual([]);
    expect(await hashTree(s.a)).toEqual(s.expected.a);
    expect(await runOf(s.w.id)).toMatchObject({ outcome: "succeeded", undoCopy: "saved", phase: "done" });
  });

  it("a volume whose folder did not exist before is rolled back to absent", async () => {
    const s = await scenario("absent-before");
    await fs.rm(s.b, { recursive: true });
    expect(child(["restore", s.w.id, s.snapshot.id], "swap-1-after-live").signal).toBe("SIGKILL");
    expect(await hashTree(s.b)).toEqual(s.expected.b); // the restored data really is in place

    // Stopped just before the redeploy (which creates missing folders): /b is absent again.
    expect(child(["recover"], "recovery-before-redeploy").signal).toBe("SIGKILL");
    await expect(fs.lstat(s.b)).rejects.toMatchObject({ code: "ENOENT" });
    expect(await hashTree(s.a)).toEqual(s.current.a);

    const recovered = child(["recover"]);
    expect(recovered.status, recovered.stderr).toBe(0);
    expect(await fs.readdir(s.b)).toEqual([]); // created empty by the redeploy, none of the snapshot's data
    expect(await leftovers(s.a, s.b)).toEqual([]);
    expect(await stateOf(s.w.id)).toBe("running");
  });

  it("after a failed rollback the workload stays stopped and the journal is kept; a later recovery finishes", async () => {
    const s = await scenario("rollback-fails");
    expect(child(["restore", s.w.id, s.snapshot.id], "swap-1-after-backup").signal).toBe("SIGKILL");
    const parent = path.dirname(s.a);
    chattr("+i", parent); // nothing can be renamed in the volumes' folder: the rollback fails
    try {
      const first = child(["recover"]);
      expect(first.status, first.stderr).toBe(0);
      expect(JSON.parse(first.stdout)).toMatchObject([{ outcome: "rollback-failed", workloadId: s.w.id }]);
      expect(await stateOf(s.w.id)).not.toBe("running");
      expect(await fs.readdir(journalDir(engineDeps.dataDir))).toHaveLength(1);
      expect(await runOf(s.w.id)).toMatchObject({ outcome: "failed", detail: "rollback-failed" });
    } finally {
      chattr("-i", parent);
    }
    const second = child(["recover"]);
    expect(second.status, second.stderr).toBe(0);
    expect(await hashTree(s.a)).toEqual(s.current.a);
    expect(await hashTree(s.b)).toEqual(s.current.b);
    expect(await leftovers(s.a, s.b)).toEqual([]);
    expect(await stateOf(s.w.id)).toBe("running");
    expect(await runOf(s.w.id)).toMatchObject({ outcome: "rolled-back-at-boot", detail: null });
  });

  it("a second Undo while the first runs is refused and changes nothing: the swap back and both undo copies are whole", async () => {
    const s = await scenario("double-undo");
    const run = await restoreSnapshot(engineDeps, testActor, { workloadId: s.w.id, snapshotId: s.snapshot.id, confirm: s.snapshot.id });
    const undo = (confirm = run.restoreRunId) =>
      undoRestore(engineDeps, testActor, { workloadId: s.w.id, restoreRunId: run.restoreRunId, confirm });
    const outcomes = await Promise.allSettled([undo(), undo(), undo()]);
    expect(outcomes.map((o) => (o.status === "fulfilled" ? o.value.method : (o.reason as { code: string }).code)).sort()).toEqual([
      "CONFLICT",
      "CONFLICT",
      "swap",
    ]);
    await engineDeps.restores.settled();
    expect(await hashTree(s.a)).toEqual(s.current.a);
    expect(await hashTree(s.b)).toEqual(s.current.b);
    expect(await leftovers(s.a, s.b)).toEqual([]);
    const [undone, restore] = await db.restoreRun.findMany({ where: { workloadId: s.w.id }, orderBy: { startedAt: "desc" } });
    expect(restore).toMatchObject({ undoCopy: "undone", phase: "done" });
    expect(undone).toMatchObject({ undoOf: restore!.id, undoCopy: "saved" });
    expect(await archiveTrees(undone!.preRestoreSnapshotId!)).toEqual([s.expected.a, s.expected.b]);
    // A wrong confirmation is refused before anything is paused or read.
    await expect(undo("nope")).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("refuses a restore while an interrupted one of the workload waits for recovery", async () => {
    const s = await scenario("pending-journal");
    expect(child(["restore", s.w.id, s.snapshot.id], "swap-1-after-backup").signal).toBe("SIGKILL");
    await expect(
      restoreSnapshot(engineDeps, testActor, { workloadId: s.w.id, snapshotId: s.snapshot.id, confirm: s.snapshot.id }),
    ).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: expect.stringMatching(/did not finish; restart the server or run `berth recover`/),
    });
    const recovered = child(["recover"]);
    expect(recovered.status, recovered.stderr).toBe(0);
    expect(await hashTree(s.a)).toEqual(s.current.a);
    expect(await hashTree(s.b)).toEqual(s.current.b);
    await restoreSnapshot(engineDeps, testActor, { workloadId: s.w.id, snapshotId: s.snapshot.id, confirm: s.snapshot.id });
    expect(await hashTree(s.a)).toEqual(s.expected.a);
  });

  it("one Berth per data dir: while one holds it, `berth recover` and a server's startup are refused", async () => {
    const lock = await lockDataDir(engineDeps.dataDir);
    const env = { ...process.env, BERTH_DATA_DIR: engineDeps.dataDir };
    try {
      const cli = spawnSync(path.join(root, "bin/berth.mjs"), ["recover"], { cwd: root, env, encoding: "utf8" });
      expect([cli.status, cli.stderr]).toEqual([
        1,
        expect.stringMatching(new RegExp(`another Berth process \\(pid ${process.pid}\\).*is using this data dir`)),
      ]);
      const server = child(["startup"]);
      expect([server.status, server.stderr]).toEqual([1, expect.stringMatching(/another Berth process/)]);
      await expect(lockDataDir(engineDeps.dataDir)).rejects.toMatchObject({ code: "CONFLICT" });
    } finally {
      await lock.release();
    }
    const cli = spawnSync(path.join(root, "bin/berth.mjs"), ["recover"], { cwd: root, env, encoding: "utf8" });
    expect(cli.status, cli.stderr).toBe(0);
  });
});
