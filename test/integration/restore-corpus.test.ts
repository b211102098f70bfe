// The whole adversarial corpus (test/support/malicious-archives.ts) through the two ways an
// archive reaches Berth, with the real engine, a real SQLite database and a real container:
// (a) an import: refused with the reason, no row, nothing left in the snapshot folder;
// (b) a restore of a stored snapshot file replaced by the archive, its row's sha256 and size
//     updated so the checksum passes: refused with the reason before anything is touched —
//     live data byte-identical, container still running, no staging/backup dirs, no journal,
//     no pre-restore snapshot, nothing new beside the live volumes, the trap dir that link
//     cases aim at still empty.
// Then the valid link archives of the corpus (LINK_ARCHIVES): imported and restored, their
// links are in the live volumes exactly, and nothing was written through them.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { db } from "~/server/db";
import { engineDeps } from "~/server/engine-deps";
import type { ArchiveLimits } from "~/server/engine/archive/limits";
import { DomainError } from "~/server/engine/errors";
import { journalDir } from "~/server/engine/restore/journal";
import { restoreSnapshot } from "~/server/engine/restore/restore";
import { createSnapshot } from "~/server/engine/snapshots/capture";
import { importSnapshot } from "~/server/engine/snapshots/import";
import { snapshotDir, snapshotFilePath } from "~/server/engine/snapshots/snapshot-store";
import { deployWorkload, getWorkload } from "~/server/engine/workloads/workloads";
import { dir, file, gzip, gzipMembers, snapshotTar } from "../support/archive-builder";
import { removeWorkloadContainersAfterAll } from "../support/container-cleanup";
import { hashTree } from "../support/hash-tree";
import { CORPUS_TARGETS, ESCAPE_DIR, LINK_ARCHIVES, MALICIOUS_ARCHIVES } from "../support/malicious-archives";
import { makeWorkload, testActor } from "../support/workload-fixtures";

// Three corpus cases need caps far below the defaults (a 1 TiB or 5-million-entry archive is
// not built in a test), and restore/import take no limits from their callers. For those cases
// only, the limits resolver is told the case's caps; every other case runs with the defaults.
// The enforcement itself (tar-guard) is the real code.
const caseLimits = vi.hoisted(() => ({ current: {} as Partial<ArchiveLimits> }));
vi.mock("~/server/engine/archive/limits", async (importOriginal) => {
  const actual = await importOriginal<typeof import("~/server/engine/archive/limits")>();
  return {
    ...actual,
    resolveLimits: (overrides?: Partial<ArchiveLimits>) => actual.resolveLimits({ ...overrides, ...caseLimits.current }),
  };
});

removeWorkloadContainersAfterAll();

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");
const volumeDir = (project: string, source: string) =>
  path.join(engineDeps.dataDir, "volumes/projects", project, "stages/production", source);

async function fill(dir: string, version: "snapshot" | "current") {
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(path.join(dir, "sub/deeper"), { recursive: true });
  await fs.writeFile(path.join(dir, "common.txt"), `${version} common\n`);
  await fs.writeFile(path.join(dir, "sub/deeper/file.bin"), Buffer.alloc(100_000, version === "snapshot" ? 1 : 2));
  await fs.writeFile(path.join(dir, `only-${version}.txt`), version);
  await fs.chmod(path.join(dir, "common.txt"), version === "snapshot" ? 0o600 : 0o644);
}

let workloadId: string;
let snapshotId: string;
let live: string[];
let current: Record<string, string>[];
let storedPath: string;
let original: { bytes: Buffer; sha256: string; size: bigint };
let scratch: string;
/** Link cases aim at this existing dir (absolute): it must stay empty. */
let trapDir: string;
/** What the live volumes' parent folders hold: a link to '..' must not add to them. */
let parentsBefore: string[];

beforeAll(async () => {
  const w = await makeWorkload({
    name: "corpus",
    volumes: CORPUS_TARGETS.map((target, i) => ({ target, scope: "stage" as const, source: `data${i}` })),
  });
  workloadId = w.id;
  await deployWorkload(engineDeps, testActor, w.id);
  live = CORPUS_TARGETS.map((_, i) => volumeDir(w.projectSlug, `data${i}`));
  for (const l of live) await fill(l, "snapshot");
  const snapshot = await createSnapshot(engineDeps, testActor, { workloadId, label: "corpus original" });
  snapshotId = snapshot.id;
  // The live data now differs from the snapshot: a restore that went through would show.
  for (const l of live) await fill(l, "current");
  current = await Promise.all(live.map((l) => hashTree(l)));
  const row = await db.snapshot.findUniqueOrThrow({ where: { id: snapshotId } });
  storedPath = snapshotFilePath(engineDeps.dataDir, row);
  original = { bytes: await fs.readFile(storedPath), sha256: row.sha256, size: row.size };
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), "berth-corpus-it-"));
  trapDir = path.join(scratch, "trap");
  await fs.mkdir(trapDir);
  parentsBefore = await parents();
});
afterAll(() => fs.rm(scratch, { recursive: true, force: true }));

/** Replace the stored file and make its row agree, so the sha256 check passes. */
async function storeAs(bytes: Buffer) {
  await fs.writeFile(storedPath, bytes);
  await db.snapshot.update({ where: { id: snapshotId }, data: { sha256: sha256(bytes), size: BigInt(bytes.length) } });
}

async function leftovers(): Promise<string[]> {
  const names: string[] = [];
  for (const parent of new Set(live.map((l) => path.dirname(l))))
    names.push(...(await fs.readdir(parent)).filter((n) => n.startsWith(".berth-")));
  names.push(...(await fs.readdir(journalDir(engineDeps.dataDir)).catch(() => [] as string[])));
  return names;
}

async function parents(): Promise<string[]> {
  const names: string[] = [];
  for (const parent of new Set(live.map((l) => path.dirname(l)))) names.push(...(await fs.readdir(parent)).map((n) => `${parent}/${n}`));
  return names.sort();
}

const snapshotIds = async () =>
  (await db.snapshot.findMany({ where: { workloadId }, select: { id: true }, orderBy: { id: "asc" } })).map((r) => r.id);

describe(`adversarial corpus through import and restore (${MALICIOUS_ARCHIVES.length} archives)`, () => {
  it.each(MALICIOUS_ARCHIVES.map((a, i) => ({ ...a, i })))("[$class] $name", async (item) => {
    const bytes = item.build({ trapDir });
    const archivePath = path.join(scratch, `${item.i}.tar.gz`);
    await fs.writeFile(archivePath, bytes);
    caseLimits.current = item.limits ?? {};
    try {
      // (a) Import.
      const rowsBefore = await snapshotIds();
      const filesBefore = (await fs.readdir(snapshotDir(engineDeps.dataDir, workloadId))).sort();
      const importError = await importSnapshot({ ...engineDeps, importMaxBytes: 1024 * 1024 * 1024 }, testActor, {
        workloadId,
        body: createReadStream(archivePath),
        label: item.name,
      }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(importError).toBeInstanceOf(DomainError);
      expect((importError as DomainError).code).toBe("BAD_REQUEST");
      expect((importError as Error).message).toMatch(item.importError ?? item.expectedError);
      expect(await snapshotIds()).toEqual(rowsBefore);
      expect((await fs.readdir(snapshotDir(engineDeps.dataDir, workloadId))).sort()).toEqual(filesBefore);

      // (b) Restore of the tampered stored file.
      await storeAs(bytes);
      const restoreError = await restoreSnapshot(engineDeps, testActor, { workloadId, snapshotId, confirm: snapshotId }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(restoreError).toBeInstanceOf(DomainError);
      expect((restoreError as DomainError).code).toBe("BAD_REQUEST");
      expect((restoreError as Error).message).toMatch(item.expectedError);
      for (const [i, l] of live.entries()) expect(await hashTree(l), CORPUS_TARGETS[i]).toEqual(current[i]);
      expect((await getWorkload(engineDeps, testActor, workloadId)).status.state).toBe("running");
      expect(await leftovers()).toEqual([]);
      expect(await db.snapshot.count({ where: { workloadId, kind: "pre-restore" } })).toBe(0);
      expect(
        await fs.lstat(ESCAPE_DIR).then(
          () => true,
          () => false,
        ),
      ).toBe(false);
      expect(await fs.readdir(trapDir)).toEqual([]);
      expect(await parents()).toEqual(parentsBefore);
    } finally {
      caseLimits.current = {};
      await fs.writeFile(storedPath, original.bytes);
      await db.snapshot.update({ where: { id: snapshotId }, data: { sha256: original.sha256, size: original.size } });
      await fs.rm(archivePath, { force: true });
    }
  });

  // Controls: the same two paths do accept a valid archive, so the refusals above come from
  // the archives' content, not from the harness.
  it("control: a valid raw-built archive imports, and restores when stored the same way", async () => {
    const valid = gzip(
      snapshotTar([
        dir("volumes/0/"),
        file("volumes/0/restored.txt", "from a raw archive\n"),
        dir("volumes/1/"),
        file("volumes/1/other.txt", "other\n"),
      ]),
    );
    const imported = await importSnapshot({ ...engineDeps, importMaxBytes: 1024 * 1024 }, testActor, {
      workloadId,
      body: createReadStream(await write("valid.tar.gz", valid)),
    });
    expect(imported).toMatchObject({ matched: [...CORPUS_TARGETS], unmatched: [] });
    expect(imported.snapshot.sha256).toBe(sha256(valid));

    await storeAs(valid);
    await restoreSnapshot(engineDeps, testActor, { workloadId, snapshotId, confirm: snapshotId });
    await engineDeps.restores.settled();
    expect(await fs.readdir(live[0]!)).toEqual(["restored.txt"]);
    expect(await fs.readFile(path.join(live[0]!, "restored.txt"), "utf8")).toBe("from a raw archive\n");
    expect(await fs.readdir(live[1]!)).toEqual(["other.txt"]);
    expect((await getWorkload(engineDeps, testActor, workloadId)).status.state).toBe("running");
    expect(await leftovers()).toEqual([]);
    expect(await db.snapshot.count({ where: { workloadId, kind: "pre-restore" } })).toBe(1);
  });
});

describe(`valid link archives through import and restore (${LINK_ARCHIVES.length} archives)`, () => {
  it.each(LINK_ARCHIVES.map((a, i) => ({ ...a, i })))("$name", async (item) => {
    const passwd = await fs.stat("/etc/passwd");
    const bytes = item.build({ trapDir });
    const imported = await importSnapshot({ ...engineDeps, importMaxBytes: 64 * 1024 * 1024 }, testActor, {
      workloadId,
      body: createReadStream(await write(`link-${item.i}.tar.gz`, bytes)),
    });
    expect(imported).toMatchObject({ matched: [...CORPUS_TARGETS], unmatched: [] });
    await restoreSnapshot(engineDeps, testActor, { workloadId, snapshotId: imported.snapshot.id, confirm: imported.snapshot.id });
    await engineDeps.restores.settled();
    for (const l of item.symlinks({ trapDir })) {
      const full = path.join(live[l.volume]!, l.path);
      expect((await fs.lstat(full)).isSymbolicLink(), l.path).toBe(true);
      expect(await fs.readlink(full), l.path).toBe(l.target);
    }
    for (const h of item.hardlinks) {
      const [a, b] = await Promise.all([fs.lstat(path.join(live[h.volume]!, h.path)), fs.lstat(path.join(live[h.volume]!, h.target))]);
      expect([a.isFile(), a.ino], h.path).toEqual([true, b.ino]);
    }
    for (const f of item.files) expect(await fs.readFile(path.join(live[f.volume]!, f.path), "utf8"), f.path).toBe(f.content);
    // Nothing through the links, here or on the host; the workload runs again.
    expect(await fs.readdir(trapDir)).toEqual([]);
    expect(await parents()).toEqual(parentsBefore);
    const after = await fs.stat("/etc/passwd");
    expect([after.ino, after.size, after.mtimeMs]).toEqual([passwd.ino, passwd.size, passwd.mtimeMs]);
    expect((await getWorkload(engineDeps, testActor, workloadId)).status.state).toBe("running");
    expect(await leftovers()).toEqual([]);
  });
});

describe("multi-member gzip from elsewhere", () => {
  // What a parallel compressor (or `cat a.gz b.gz`) makes: one tar cut into gzip members at
  // arbitrary offsets, here in the middle of headers and of file data.
  it("imports an archive compressed as several gzip members, and restores it", async () => {
    const tar = snapshotTar([
      dir("volumes/0/"),
      file("volumes/0/members.txt", "x".repeat(3000)),
      dir("volumes/1/"),
      file("volumes/1/other.txt", "from members\n"),
    ]);
    const cuts = [100, 700, 1600, 2900, tar.length];
    const members = gzipMembers(...cuts.map((end, i) => tar.subarray(i ? cuts[i - 1] : 0, end)));
    const imported = await importSnapshot({ ...engineDeps, importMaxBytes: 1024 * 1024 }, testActor, {
      workloadId,
      body: createReadStream(await write("members.tar.gz", members)),
    });
    expect(imported).toMatchObject({ matched: [...CORPUS_TARGETS], unmatched: [] });

    await restoreSnapshot(engineDeps, testActor, { workloadId, snapshotId: imported.snapshot.id, confirm: imported.snapshot.id });
    await engineDeps.restores.settled();
    expect(await fs.readFile(path.join(live[0]!, "members.txt"), "utf8")).toBe("x".repeat(3000));
    expect(await fs.readdir(live[1]!)).toEqual(["other.txt"]);
    expect((await getWorkload(engineDeps, testActor, workloadId)).status.state).toBe("running");
    expect(await leftovers()).toEqual([]);
  });
});

async function write(name: string, bytes: Buffer) {
  const p = path.join(scratch, name);
  await fs.writeFile(p, bytes);
  return p;
}
