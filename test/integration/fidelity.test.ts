// Issue 12: a restored volume is the volume the application left. A fixture volume holding
// every kind of metadata (test/support/metadata-fixture.ts) goes through Berth and is compared
// aspect by aspect with GNU tar's own round trip of the same tree; then through download →
// import → restore (the setuid policy of imports applies); then the downloaded file is opened
// with GNU tar, bsdtar and 7-Zip, and an archive GNU tar re-packed from it is imported. A v1
// archive still restores as before. Real engine, real SQLite, a real container, real tools.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineDeps } from "~/server/engine-deps";
import { restoreSnapshot } from "~/server/engine/restore/restore";
import { createSnapshot } from "~/server/engine/snapshots/capture";
import { importSnapshot } from "~/server/engine/snapshots/import";
import { openSnapshotFile, type SnapshotView } from "~/server/engine/snapshots/snapshot-store";
import { deployWorkload } from "~/server/engine/workloads/workloads";
import { dir, file, gzip, snapshotTar } from "../support/archive-builder";
import { removeWorkloadContainersAfterAll } from "../support/container-cleanup";
import {
  buildMetadataFixture,
  describeTree,
  FIXTURE,
  mutateMetadataFixture,
  patternBytes,
  SPARSE,
  type TreeDescription,
} from "../support/metadata-fixture";
import { aspectOf, expectSameTree, mtimeMismatches, without, withModes } from "../support/tree-aspects";
import { makeWorkload, testActor } from "../support/workload-fixtures";

removeWorkloadContainersAfterAll();

const TARGET = "/data";
const GiB = 1024 * 1024 * 1024;
// bsdtar refuses non-ASCII pax names in the C locale ("can't be converted from UTF-8"), and
// GNU tar escapes them in listings: every tool runs in a UTF-8 locale, names printed literally.
const toolEnv = { ...process.env, LC_ALL: "C.UTF-8" };
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { env: toolEnv, maxBuffer: 64 * 1024 * 1024 }).toString("utf8");
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

let scratch: string;
let workloadId: string;
let live: string;
/** The fixture as built, FIFO included. */
let original: TreeDescription;
/** What a faithful copy holds: the original without the FIFO (nobody archives it here). */
let expected: TreeDescription;
/** GNU tar's own round trip of the fixture (`-cpSzf` / `-xpzf`, as root). */
let gnu: TreeDescription;
let snapshot: SnapshotView;
/** The snapshot file as a download hands it out. */
let downloaded: string;

async function freshDir(name: string): Promise<string> {
  const d = path.join(scratch, name);
  await fs.rm(d, { recursive: true, force: true });
  await fs.mkdir(d);
  return d;
}

/** Changes the live volume (so a restore that did nothing is seen), restores, describes the result. */
async function changeThenRestore(snapshotId: string) {
  await mutateMetadataFixture(live);
  expect(await describeTree(live)).not.toEqual(original);
  const result = await restoreSnapshot(engineDeps, testActor, { workloadId, snapshotId, confirm: snapshotId });
  await engineDeps.restores.settled();
  return { result, tree: await describeTree(live) };
}

const importFile = (archive: string, options: { keepSpecialBits?: boolean } = {}) =>
  importSnapshot({ ...engineDeps, importMaxBytes: GiB }, testActor, {
    workloadId,
    body: createReadStream(archive),
    fileName: path.basename(archive),
    ...options,
  });

beforeAll(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), "berth-fidelity-it-"));
  const w = await makeWorkload({ name: "fidelity", volumes: [{ target: TARGET, scope: "stage", source: "data" }] });
  workloadId = w.id;
  await deployWorkload(engineDeps, testActor, w.id);
  live = path.join(engineDeps.dataDir, "volumes/projects", w.projectSlug, "stages/production", "data");
  await fs.mkdir(live, { recursive: true });
  expect(await fs.readdir(live)).toEqual([]);
  await buildMetadataFixture(live);
  original = await describeTree(live);
  expected = without(original, FIXTURE.fifo);

  // The reference. --format=posix: GNU tar's default (gnu) format keeps whole seconds only,
  // pax keeps nanoseconds (and writes holes as PAX 1.0 sparse entries, as Berth does). The FIFO
  // is excluded because GNU tar would archive it; Berth lists it as skipped (checked below).
  const ref = path.join(scratch, "ref.tar.gz");
  run("tar", ["--format=posix", "--numeric-owner", `--exclude=./${FIXTURE.fifo}`, "-cpSzf", ref, "-C", live, "."]);
  const gnuDir = await freshDir("gnu");
  run("tar", ["--numeric-owner", "-xpzf", ref, "-C", gnuDir]);
  gnu = await describeTree(gnuDir);

  snapshot = await createSnapshot(engineDeps, testActor, { workloadId, label: "fidelity" });
  const served = await openSnapshotFile(engineDeps, testActor, { id: snapshot.id, audit: true });
  downloaded = path.join(scratch, served.downloadName);
  await fs.copyFile(served.path, downloaded);
  expect(sha256(await fs.readFile(downloaded))).toBe(snapshot.sha256);
});
afterAll(() => fs.rm(scratch, { recursive: true, force: true }));

describe("the fixture and the GNU tar reference", () => {
  it("the fixture holds what it claims: owners, special bits, links, holes, a FIFO, old mtimes", () => {
    const e = original.entries;
    expect(e["."]).toMatchObject({ uid: 999, gid: 999, mode: 0o750 });
    expect(e.pgdata).toMatchObject({ type: "dir", uid: 999, gid: 999, mode: 0o700 });
    expect(e.shared).toMatchObject({ type: "dir", uid: 33, gid: 33, mode: 0o3775 });
    expect(e[FIXTURE.setuidFile]).toMatchObject({ uid: 0, gid: 0, mode: 0o4755 });
    expect(e[FIXTURE.setgidFile]).toMatchObject({ mode: 0o2755 });
    expect(e["private/zero-perms"]?.mode).toBe(0);
    expect(e["readonly-dir"]?.mode).toBe(0o500);
    expect(Object.values(aspectOf(original, "symlink targets"))).toHaveLength(5);
    expect(e["links/relative"]).toMatchObject({ type: "symlink", uid: 999, gid: 999 });
    expect(original.hardlinkGroups).toEqual([
      ["hard/deeper/triple-2", "hard/triple-1", "triple-3"],
      ["hard/original.txt", "hard/same.txt"],
    ]);
    expect(e[SPARSE.big.path]?.size).toBe(64 * 1024 * 1024);
    expect(e[SPARSE.big.path]!.blocks! * 512).toBeLessThanOrEqual(1024 * 1024); // 4 KiB written (more on coarse filesystems)
    expect(e[SPARSE.tail.path]!.blocks! * 512).toBeLessThan(SPARSE.tail.size / 10);
    expect(e[FIXTURE.fifo]?.type).toBe("fifo");
    expect(e.pgdata?.mtimeNs).toBe("981173106000000000");
    expect(e["links/relative"]?.mtimeNs).toBe("981173106123456789");
    expect(e["pgdata/base/1"]?.mtimeNs).toBe("981173106123456789");
  });

  it("GNU tar's round trip reproduces it on every aspect (the reference is sound)", () => {
    expectSameTree("GNU tar vs original", gnu, expected, { mtimes: "ns", blocksAtMost: original });
    expect(gnu.entries[FIXTURE.fifo]).toBeUndefined();
  });
});

describe("capture → change → restore", () => {
  it("gives back what GNU tar's round trip gives back, aspect by aspect", async () => {
    const { result, tree: berth } = await changeThenRestore(snapshot.id);
    // Types, owners, modes (setuid/setgid/sticky included), sizes, contents, symlink targets
    // and hardlink groups: equal to GNU tar's. mtimes are compared below, blocks: ≤ GNU tar's.
    expectSameTree("Berth vs GNU tar", berth, gnu, { mtimes: "us", skip: ["mtimes"], blocksAtMost: gnu });
    // GNU tar keeps nanoseconds, Berth applies microseconds: both against the original, to
    // the microsecond (±1, see mtimeMismatches).
    expect.soft(mtimeMismatches(berth, original, "us"), "Berth: mtimes (us)").toEqual([]);
    expect.soft(mtimeMismatches(gnu, original, "us"), "GNU tar: mtimes (us)").toEqual([]);
    // The FIFO is in neither, and the manifest lists it (and nothing else) as skipped.
    expect.soft(berth.entries[FIXTURE.fifo]).toBeUndefined();
    expect.soft(snapshot.manifest.skipped, "manifest skipped").toEqual([{ volume: 0, path: FIXTURE.fifo, type: "fifo" }]);
    // A snapshot this server captured keeps setuid/setgid: nothing stripped, nothing reported.
    expect(result.strippedSpecialBits).toEqual({ count: 0, paths: [] });
  });
});

describe("download → import → restore", () => {
  it("an import not marked as trusted comes back without setuid/setgid on files, each one reported", async () => {
    const imported = await importFile(downloaded);
    expect(imported).toMatchObject({ matched: [TARGET], unmatched: [] });
    const { result, tree } = await changeThenRestore(imported.snapshot.id);
    // Files lose setuid/setgid; directories keep setgid and sticky (shared/ stays 3775).
    const stripped = withModes(expected, { [FIXTURE.setuidFile]: 0o755, [FIXTURE.setgidFile]: 0o755 });
    expectSameTree("imported (special bits stripped)", tree, stripped, { mtimes: "us", blocksAtMost: gnu });
    const report = result.strippedSpecialBits;
    expect({ count: report.count, paths: [...report.paths].sort() }).toEqual({
      count: 2,
      paths: [`${TARGET}/${FIXTURE.setgidFile}`, `${TARGET}/${FIXTURE.setuidFile}`],
    });
  });

  it("an import marked keepSpecialBits comes back whole", async () => {
    const imported = await importFile(downloaded, { keepSpecialBits: true });
    const { result, tree } = await changeThenRestore(imported.snapshot.id);
    expectSameTree("imported (special bits kept)", tree, expected, { mtimes: "us", blocksAtMost: gnu });
    expect(result.strippedSpecialBits).toEqual({ count: 0, paths: [] });
  });
});

/** What a listing of the snapshot must name: the manifest, then every entry of volume 0 (not the FIFO). */
function expectedArchiveNames(rename: (rel: string) => string = (rel) => rel): string[] {
  return [
    "berth-manifest.json",
    ...Object.keys(expected.entries).map((rel) => (rel === "." ? "volumes/0" : `volumes/0/${rename(rel)}`)),
  ].sort();
}
const listed = (output: string) =>
  output
    .split("\n")
    .filter(Boolean)
    .map((n) => n.replace(/\/$/, ""));

describe("the downloaded file opens with other tools", () => {
  it("GNU tar lists it and, as root, extracts the same tree (holes, owners and nanosecond mtimes included)", async () => {
    const names = listed(run("tar", ["--quoting-style=literal", "-tzf", downloaded]));
    expect.soft(names[0]).toBe("berth-manifest.json");
    expect.soft(names.sort(), "listing").toEqual(expectedArchiveNames());
    const out = await freshDir("gnu-extract");
    run("tar", ["--numeric-owner", "-xpzf", downloaded, "-C", out]);
    expect((await fs.readdir(out)).sort()).toEqual(["berth-manifest.json", "volumes"]);
    // Berth records nanoseconds and GNU tar applies them: exact.
    expectSameTree("GNU tar extract", await describeTree(path.join(out, "volumes/0")), expected, { mtimes: "ns", blocksAtMost: gnu });
  });

  it("bsdtar lists it and extracts the same tree, holes kept", async () => {
    const names = listed(run("bsdtar", ["-tzf", downloaded]));
    expect.soft(names.sort(), "listing").toEqual(expectedArchiveNames());
    const out = await freshDir("bsdtar-extract");
    run("bsdtar", ["--numeric-owner", "-xpzf", downloaded, "-C", out]);
    expectSameTree("bsdtar extract", await describeTree(path.join(out, "volumes/0")), expected, { mtimes: "ns", blocksAtMost: gnu });
  });

  it("7-Zip lists every file, directory and link, and extracts regular files with their content", async () => {
    // 7-Zip opens the .tar.gz as a gzip holding one .tar, as its file manager does: step by step.
    const out = await freshDir("7z");
    run("7zz", ["x", "-y", "-bd", downloaded, `-o${out}`]);
    const inner = path.join(out, path.basename(downloaded).replace(/\.gz$/, ""));
    const listing = run("7zz", ["l", "-slt", "-bd", inner]);
    const names = [...listing.split("\n----------\n")[1]!.matchAll(/^Path = (.*)$/gm)].map((m) => m[1]!);
    // 7-Zip does not understand GNU's PAX 1.0 sparse entries: it shows the stored form, named
    // by the header (<dir>/GNUSparseFile.0/<name>), not the file.
    const sparseName = (rel: string) =>
      FIXTURE.sparse.includes(rel as never) ? `${path.dirname(rel)}/GNUSparseFile.0/${path.basename(rel)}` : rel;
    expect.soft(names.sort(), "7-Zip listing").toEqual(expectedArchiveNames(sparseName));

    // -snld: 7-Zip refuses links whose target has `..` unless told they are expected.
    const x = path.join(out, "x");
    run("7zz", ["x", "-y", "-bd", "-snld", inner, `-o${x}`]);
    const tree = await describeTree(path.join(x, "volumes/0"));
    // Regular files that are not sparse: right content (7-Zip does not apply owners).
    const contents = aspectOf(expected, "contents");
    for (const rel of FIXTURE.sparse) delete contents[rel];
    expect.soft(aspectOf(tree, "contents"), "7-Zip: contents").toMatchObject(contents);
    expect
      .soft(aspectOf(tree, "types"), "7-Zip: types")
      .toMatchObject(Object.fromEntries(Object.keys(contents).map((rel) => [rel, "file"])));
    // Relative link targets are kept verbatim; 7-Zip re-roots absolute ones into its output folder.
    const targets = aspectOf(expected, "symlink targets");
    const got = aspectOf(tree, "symlink targets");
    for (const [rel, target] of Object.entries(targets)) {
      if (String(target).startsWith("/")) expect.soft(String(got[rel]).endsWith(String(target)), `7-Zip: ${rel} → ${got[rel]}`).toBe(true);
      else expect.soft(got[rel], `7-Zip: ${rel}`).toBe(target);
    }
    // The sparse files come out in their stored form: smaller than the file, holding its data.
    for (const s of Object.values(SPARSE)) {
      const stored = await fs.readFile(path.join(x, "volumes/0", sparseName(s.path))).catch(() => Buffer.alloc(0));
      expect(stored.length, `7-Zip: stored form of ${s.path}`).toBeGreaterThan(0);
      expect(stored.length).toBeLessThan(s.size);
      for (const [offset, length] of s.blocks)
        expect(stored.includes(patternBytes(length, `${s.path}@${offset}`)), `${s.path}@${offset}`).toBe(true);
      expect(tree.entries[s.path]).toBeUndefined();
    }
  });
});

describe("an archive GNU tar re-packed from an unpacked snapshot", () => {
  // A user unpacks a download and packs it again with GNU tar: names start with `./` and
  // there is a `./` entry; --sort=name keeps the manifest first.
  it.each([
    // GNU tar's default format stores whole seconds, and its -S writes old-GNU sparse headers,
    // which Berth refuses (below): without -S the holes are stored as zeros and come back allocated.
    { format: "gnu (GNU tar's default), without -S", args: [] as string[], flags: "-cpzf", mtimes: "s" as const, holes: false },
    { format: "posix, with -S", args: ["--format=posix"], flags: "-cpSzf", mtimes: "us" as const, holes: true },
  ])("imports and restores to the original tree: $format", async ({ format, args, flags, mtimes, holes }) => {
    const unpacked = await freshDir(`unpacked-${args.length}`);
    run("tar", ["--numeric-owner", "-xpzf", downloaded, "-C", unpacked]);
    const repacked = path.join(scratch, `repacked-${args.length}.tar.gz`);
    run("tar", ["--sort=name", "--numeric-owner", ...args, flags, repacked, "-C", unpacked, "."]);
    expect(listed(run("tar", ["--quoting-style=literal", "-tzf", repacked])).slice(0, 2), format).toEqual([".", "./berth-manifest.json"]);

    const imported = await importFile(repacked, { keepSpecialBits: true });
    expect(imported).toMatchObject({ matched: [TARGET], unmatched: [] });
    const { tree } = await changeThenRestore(imported.snapshot.id);
    expectSameTree(`GNU tar re-pack (${format})`, tree, expected, { mtimes, ...(holes ? { blocksAtMost: gnu } : {}) });
  });

  it("refuses GNU tar's old-format sparse entries (gnu format with -S) with a reason that says what to do", async () => {
    const unpacked = await freshDir("unpacked-old-sparse");
    run("tar", ["--numeric-owner", "-xpzf", downloaded, "-C", unpacked]);
    const repacked = path.join(scratch, "repacked-old-sparse.tar.gz");
    run("tar", ["--sort=name", "--numeric-owner", "-cpSzf", repacked, "-C", unpacked, "."]);
    await expect(importFile(repacked, { keepSpecialBits: true })).rejects.toThrow(/old format.*--format=pax/);
  });
});

describe("format 1", () => {
  it("a v1 archive restores as before: owners root, modes without special bits, mtimes kept", async () => {
    const mtime = 981173106;
    const v1 = gzip(
      snapshotTar(
        [
          dir("volumes/0/", { mode: 0o755, uid: 999, gid: 999, mtime }),
          dir("volumes/0/sub/", { mode: 0o2750, uid: 999, gid: 999, mtime }),
          file("volumes/0/sub/tool", "#!/bin/sh\necho v1\n", { mode: 0o4755, uid: 999, gid: 999, mtime }),
        ],
        {
          volumes: 1,
          manifest: { version: 1, volumes: [{ index: 0, target: TARGET, scope: "stage", source: "data", files: 1, bytes: 18 }] },
        },
      ),
    );
    const archive = path.join(scratch, "v1.tar.gz");
    await fs.writeFile(archive, v1);
    const imported = await importFile(archive, { keepSpecialBits: true });
    const { tree } = await changeThenRestore(imported.snapshot.id);
    const ns = `${mtime}000000000`;
    expect(tree).toEqual({
      entries: {
        ".": { type: "dir", uid: 0, gid: 0, mode: 0o755, mtimeNs: ns },
        sub: { type: "dir", uid: 0, gid: 0, mode: 0o750, mtimeNs: ns },
        "sub/tool": {
          type: "file",
          uid: 0,
          gid: 0,
          mode: 0o755,
          size: 18,
          sha256: sha256(Buffer.from("#!/bin/sh\necho v1\n")),
          blocks: 8,
          mtimeNs: ns,
        },
      },
      hardlinkGroups: [],
    });
  });
});
