// The strict extractor against the adversarial corpus (test/support/malicious-archives.ts),
// on real files: every archive is written to disk and read back as restore does, into real
// staging dirs made with mkdtemp beside "live" volumes, next to an "outside" marker area the
// archives try to reach. Then the positive rules (modes, owners, mtimes, exact bytes).
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dir, file, gzip, header, pax, snapshotTar } from "../../support/archive-builder";
import { hashTree } from "../../support/hash-tree";
import { CORPUS_CLASSES, ESCAPE_DIR, MALICIOUS_ARCHIVES } from "../../support/malicious-archives";
import { exists, extractFile, listTree, makeSite, outsideStaging } from "./extract-site";
import { writeSnapshotArchive } from "~/server/engine/archive/archive-writer";
import { ArchiveRejectedError } from "~/server/engine/archive/errors";
import { backupName } from "~/server/engine/restore/restore";
import { rollBackVolume } from "~/server/engine/restore/volume-swap";

const DAY_MS = 24 * 60 * 60 * 1000;

let scratch: string;
beforeAll(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), "berth-xcorpus-archives-"));
});
afterAll(() => fs.rm(scratch, { recursive: true, force: true }));

describe("strict extractor: adversarial corpus", () => {
  it(`has at least 40 archives, every class covered (${MALICIOUS_ARCHIVES.length} archives)`, () => {
    expect(MALICIOUS_ARCHIVES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(MALICIOUS_ARCHIVES.map((a) => a.name)).size).toBe(MALICIOUS_ARCHIVES.length);
    const perClass = new Map(CORPUS_CLASSES.map((c) => [c, MALICIOUS_ARCHIVES.filter((a) => a.class === c).length]));
    expect([...perClass].filter(([, count]) => count === 0).map(([c]) => c)).toEqual([]);
  });

  it.each(MALICIOUS_ARCHIVES.map((a, i) => ({ ...a, i })))("rejects [$class] $name, leaving nothing behind", async (item) => {
    const archivePath = path.join(scratch, `${item.i}.tar.gz`);
    const site = await makeSite();
    try {
      // Built for this site: link cases aim at its trap dir, which must stay empty.
      await fs.writeFile(archivePath, item.build({ trapDir: site.trapDir }));
      const staged = site.staging;
      for (const s of staged) expect((await fs.stat(s)).mode & 0o777).toBe(0o700);

      const { error, written } = await extractFile(archivePath, staged, item.limits);
      expect(error).toBeInstanceOf(ArchiveRejectedError);
      expect((error as ArchiveRejectedError).code).toBe("BAD_REQUEST");
      expect((error as Error).message).toMatch(item.expectedError);
      // The prelude's files were really written before the archive was found bad...
      if (item.failsAfterData) expect(written).toBeGreaterThan(0);

      // ...and right after the extractor returns, they are gone: the staging dirs are empty,
      // and nothing else exists anywhere in the temp root (the trap dir is still empty).
      for (const s of staged) expect(await fs.readdir(s)).toEqual([]);
      expect(await fs.readdir(site.trapDir)).toEqual([]);
      expect(await listTree(site.root)).toEqual([...site.baseline, ...site.stagingNames].sort());
      expect(await hashTree(site.outside)).toEqual(site.before.outside);
      for (const [i, l] of site.live.entries()) expect(await hashTree(l)).toEqual(site.before.live[i]);
      expect(await exists(ESCAPE_DIR)).toBe(false);

      // The caller's cleanup (what restore does for a failure before COMMIT) removes the
      // staging dirs and leaves the live volumes exactly as they were.
      for (const [i, s] of staged.entries()) {
        await rollBackVolume({
          target: `/data${i}`,
          live: site.live[i]!,
          staged: s,
          backup: path.join(site.parent, backupName("corpus", i)),
        });
      }
      for (const s of staged) expect(await exists(s)).toBe(false);
      expect(await listTree(site.root)).toEqual([...site.baseline].sort());
      for (const [i, l] of site.live.entries()) expect(await hashTree(l)).toEqual(site.before.live[i]);
    } finally {
      await fs.rm(site.root, { recursive: true, force: true });
      await fs.rm(archivePath, { force: true });
    }
  });
});

const v0 = (p: string) => `volumes/0/${p}`;
const v1 = (p: string) => `volumes/1/${p}`;

/** Extract a raw-built archive into fresh staging dirs; returns them (the caller removes the site). */
async function extractRaw(archive: Buffer) {
  const site = await makeSite();
  const archivePath = path.join(scratch, `raw-${randomBytes(4).toString("hex")}.tar.gz`);
  await fs.writeFile(archivePath, archive);
  const outcome = await extractFile(archivePath, site.staging);
  await fs.rm(archivePath);
  if (outcome.error) {
    await fs.rm(site.root, { recursive: true, force: true });
    throw outcome.error;
  }
  return { site, result: outcome.result! };
}

describe("strict extractor: what it writes", () => {
  it("v1 archive: masks modes to 0o777: no setuid, setgid or sticky bit, no file-type bits", async () => {
    const { site } = await extractRaw(
      gzip(
        snapshotTar([
          dir(v0(""), { mode: 0o1777 }),
          file(v0("setuid"), "x", { mode: 0o4755 }),
          file(v0("setgid"), "x", { mode: 0o2755 }),
          file(v0("sticky"), "x", { mode: 0o1644 }),
          file(v0("every-bit"), "x", { mode: 0o7777 }),
          file(v0("type-bits"), "x", { mode: 0o100640 }),
          file(v0("none"), "x", { mode: 0 }),
          dir(v0("sgid-dir/"), { mode: 0o2775 }),
          file(v0("sgid-dir/child"), "x", { mode: 0o6640 }),
          dir(v1(""), { mode: 0o3750 }),
        ]),
      ),
    );
    try {
      const [s0, s1] = site.staging as [string, string];
      const mode = async (p: string) => ((await fs.lstat(p)).mode & 0o7777).toString(8);
      expect({
        root: await mode(s0),
        setuid: await mode(path.join(s0, "setuid")),
        setgid: await mode(path.join(s0, "setgid")),
        sticky: await mode(path.join(s0, "sticky")),
        everyBit: await mode(path.join(s0, "every-bit")),
        typeBits: await mode(path.join(s0, "type-bits")),
        none: await mode(path.join(s0, "none")),
        sgidDir: await mode(path.join(s0, "sgid-dir")),
        child: await mode(path.join(s0, "sgid-dir/child")),
        root1: await mode(s1),
      }).toEqual({
        root: "777",
        setuid: "755",
        setgid: "755",
        sticky: "644",
        everyBit: "777",
        typeBits: "640",
        none: "0",
        sgidDir: "775",
        child: "640",
        root1: "750",
      });
    } finally {
      await fs.rm(site.root, { recursive: true, force: true });
    }
  });

  it("v1 archive: never takes owners from the archive: everything belongs to the extracting user", async () => {
    const { site } = await extractRaw(
      gzip(
        snapshotTar([
          dir(v0(""), { uid: 1234, gid: 1234 }),
          file(v0("header-owner"), "x", { uid: 1234, gid: 4321, uname: "mallory", gname: "wheel" }),
          dir(v0("owned-dir/"), { uid: 1234, gid: 1234, uname: "mallory" }),
          pax({ uid: "1234", gid: "1234", uname: "mallory", gname: "mallory" }),
          file(v0("owned-dir/pax-owner"), "y"),
          dir(v1(""), { uid: 65534, gid: 65534, uname: "nobody" }),
        ]),
      ),
    );
    try {
      const [s0, s1] = site.staging as [string, string];
      const owners = await Promise.all(
        [s0, path.join(s0, "header-owner"), path.join(s0, "owned-dir"), path.join(s0, "owned-dir/pax-owner"), s1].map(async (p) => {
          const st = await fs.lstat(p);
          return [st.uid, st.gid];
        }),
      );
      expect(owners).toEqual(Array.from({ length: 5 }, () => [process.getuid!(), process.getgid!()]));
    } finally {
      await fs.rm(site.root, { recursive: true, force: true });
    }
  });

  it("clamps mtimes to [1970-01-01, now + 1 day] and applies directory mtimes after their contents", async () => {
    const negative = header({ name: v0("before-1970"), size: 0 });
    Buffer.alloc(12, 0xff).copy(negative, 136); // GNU base-256 -1
    const sum = [...negative].reduce((s, b, i) => s + (i >= 148 && i < 156 ? 0x20 : b), 0);
    negative.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "latin1");
    const started = Date.now();
    const { site } = await extractRaw(
      gzip(
        snapshotTar([
          dir(v0(""), { mtime: 1_400_000_000 }),
          file(v0("far-future"), "x", { mtime: 0o77777777777 }),
          file(v0("epoch"), "x", { mtime: 0 }),
          negative,
          file(v0("normal"), "x", { mtime: 1_600_000_000 }),
          pax({ mtime: "1700000000.5" }),
          file(v0("fraction"), "x"),
          pax({ mtime: "-86400" }),
          file(v0("pax-negative"), "x"),
          pax({ mtime: "99999999999999" }),
          file(v0("pax-future"), "x"),
          dir(v0("dir/"), { mtime: 1_500_000_000 }),
          file(v0("dir/child"), "x", { mtime: 1_600_000_000 }),
          dir(v0("future-dir/"), { mtime: 0o77777777777 }),
          dir(v1(""), { mtime: 1_300_000_000 }),
        ]),
      ),
    );
    const finished = Date.now();
    try {
      const [s0, s1] = site.staging as [string, string];
      const mtime = async (p: string) => (await fs.lstat(path.join(s0, p))).mtimeMs;
      const clampedFuture = (ms: number) => ms >= started + DAY_MS - 1000 && ms <= finished + DAY_MS;
      expect(clampedFuture(await mtime("far-future"))).toBe(true);
      expect(clampedFuture(await mtime("pax-future"))).toBe(true);
      expect(clampedFuture(await mtime("future-dir"))).toBe(true);
      expect({
        epoch: await mtime("epoch"),
        before1970: await mtime("before-1970"),
        paxNegative: await mtime("pax-negative"),
        normal: await mtime("normal"),
        fraction: await mtime("fraction"),
        dir: await mtime("dir"),
        child: await mtime("dir/child"),
        root: await mtime(""),
        root1: (await fs.lstat(s1)).mtimeMs,
      }).toEqual({
        epoch: 0,
        before1970: 0,
        paxNegative: 0,
        normal: 1_600_000_000_000,
        fraction: 1_700_000_000_500,
        dir: 1_500_000_000_000,
        child: 1_600_000_000_000,
        root: 1_400_000_000_000,
        root1: 1_300_000_000_000,
      });
    } finally {
      await fs.rm(site.root, { recursive: true, force: true });
    }
  });

  it("creates a directory whose parents are listed after it, or not at all", async () => {
    const { site, result } = await extractRaw(
      gzip(
        snapshotTar([
          dir(v0("p/q/r/"), { mode: 0o750 }),
          file(v0("p/q/r/f.txt"), "f"),
          dir(v0("p/"), { mode: 0o751 }),
          dir(v1("only/child/"), { mode: 0o755 }),
        ]),
      ),
    );
    try {
      const [s0, s1] = site.staging as [string, string];
      expect(result.dirs).toBe(3);
      expect(await listTree(s0)).toEqual(["p/", "p/q/", "p/q/r/", "p/q/r/f.txt"]);
      expect(await listTree(s1)).toEqual(["only/", "only/child/"]);
      const mode = async (p: string) => ((await fs.lstat(p)).mode & 0o777).toString(8);
      // Listed directories get their archived mode; implied ones stay private (0700).
      expect([
        await mode(path.join(s0, "p")),
        await mode(path.join(s0, "p/q")),
        await mode(path.join(s0, "p/q/r")),
        await mode(path.join(s1, "only")),
      ]).toEqual(["751", "700", "750", "700"]);
    } finally {
      await fs.rm(site.root, { recursive: true, force: true });
    }
  });

  it("extracts a real snapshot byte-identically (content, modes, mtimes), nothing outside staging", async () => {
    const src = await fs.mkdtemp(path.join(os.tmpdir(), "berth-xcorpus-src-"));
    try {
      const specs: { volume: number; path: string; mode: number; data?: Buffer }[] = [
        { volume: 0, path: "a", mode: 0o755 },
        { volume: 0, path: "a/b", mode: 0o750 },
        { volume: 0, path: "a/b/deep.txt", mode: 0o644, data: Buffer.from("deep\n") },
        { volume: 0, path: "empty-dir", mode: 0o700 },
        { volume: 0, path: "empty.txt", mode: 0o600, data: Buffer.alloc(0) },
        { volume: 0, path: "big.bin", mode: 0o644, data: randomBytes(3 * 1024 * 1024 + 17) },
        { volume: 0, path: "run.sh", mode: 0o755, data: Buffer.from("#!/bin/sh\necho hi\n") },
        { volume: 0, path: "read-only.txt", mode: 0o444, data: Buffer.from("ro") },
        { volume: 0, path: `long-${"x".repeat(120)}`, mode: 0o755 },
        { volume: 0, path: `long-${"x".repeat(120)}/${"y".repeat(150)}.txt`, mode: 0o640, data: randomBytes(10_000) },
        { volume: 1, path: "данные", mode: 0o755 },
        { volume: 1, path: "данные/файл.txt", mode: 0o644, data: Buffer.from("файл\n") },
        { volume: 1, path: "日本.txt", mode: 0o600, data: Buffer.from("日本\n") },
        { volume: 1, path: "caf\u00e9", mode: 0o644, data: Buffer.from("nfc only\n") },
      ];
      const roots = [0, 1].map((i) => path.join(src, `v${i}`));
      for (const r of roots) await fs.mkdir(r);
      for (const s of specs) {
        const p = path.join(roots[s.volume]!, s.path);
        if (s.data) await fs.writeFile(p, s.data);
        else await fs.mkdir(p);
      }
      // Modes and mtimes deepest first, so a directory's mtime is not changed afterwards.
      let t = 1_650_000_000;
      for (const s of [...specs].reverse()) {
        const p = path.join(roots[s.volume]!, s.path);
        await fs.chmod(p, s.mode);
        await fs.utimes(p, t, t);
        t += 1000;
      }
      for (const r of roots) {
        await fs.chmod(r, 0o751);
        await fs.utimes(r, 1_640_000_000, 1_640_000_000);
      }
      const archivePath = path.join(scratch, "real.tar.gz");
      await writeSnapshotArchive({
        volumes: roots.map((hostPath, index) => ({ index, target: `/data${index}`, scope: "stage", source: `v${index}`, hostPath })),
        meta: { snapshotId: "snap", workloadId: "wl", workloadName: "web", createdAt: new Date().toISOString() },
        output: createWriteStream(archivePath),
      });

      const site = await makeSite();
      try {
        const { error, result } = await extractFile(archivePath, site.staging);
        expect(error).toBeNull();
        expect(result).toMatchObject({ files: specs.filter((s) => s.data).length, dirs: specs.filter((s) => !s.data).length + 2 });
        const mtimes = async (root: string) => {
          const out: Record<string, number> = {};
          for (const rel of ["", ...(await listTree(root))]) out[rel] = (await fs.lstat(path.join(root, rel))).mtimeMs;
          return out;
        };
        for (const [i, r] of roots.entries()) {
          const staged = site.staging[i]!;
          expect(await hashTree(staged), `volume ${i}`).toEqual(await hashTree(r));
          expect(await mtimes(staged), `volume ${i} mtimes`).toEqual(await mtimes(r));
          expect((await fs.stat(staged)).mode & 0o7777).toBe(0o751);
        }
        // Nothing was written anywhere but the staging dirs.
        expect(await outsideStaging(site)).toEqual([...site.baseline, ...site.stagingNames].sort());
        expect(await hashTree(site.outside)).toEqual(site.before.outside);
        for (const [i, l] of site.live.entries()) expect(await hashTree(l)).toEqual(site.before.live[i]);
      } finally {
        await fs.rm(site.root, { recursive: true, force: true });
        await fs.rm(archivePath, { force: true });
      }
    } finally {
      await fs.rm(src, { recursive: true, force: true });
    }
  });
});
