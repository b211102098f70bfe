// The extractor on v2 archives that are valid, on real files: every link archive of the corpus
// (test/support/malicious-archives.ts LINK_ARCHIVES) creates exactly its links and writes
// nothing through them; owners by number on every entry, symlinks included; setuid/setgid on
// files kept or stripped as asked, directories' setgid/sticky always kept; sparse files keep
// their holes.
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  dir,
  file,
  gzip,
  hardlink,
  pax,
  snapshotTar,
  sparseContent,
  sparseFile,
  symlink,
  type SparseSegment,
} from "../../support/archive-builder";
import { hashTree } from "../../support/hash-tree";
import { ESCAPE_DIR, LINK_ARCHIVES } from "../../support/malicious-archives";
import { exists, extractFile, makeSite, outsideStaging } from "./extract-site";

const v0 = (p: string) => `volumes/0/${p}`;
const v1 = (p: string) => `volumes/1/${p}`;
const gz2 = (parts: Buffer[]) => gzip(snapshotTar(parts, { version: 2 }));

let scratch: string;
beforeAll(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), "berth-xlinks-archives-"));
});
afterAll(() => fs.rm(scratch, { recursive: true, force: true }));

/** A host file a link points at: it must be exactly as it was. */
const hostStat = async (p: string) => {
  const st = await fs.stat(p);
  return { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, mode: st.mode, uid: st.uid, gid: st.gid };
};

async function extractInSite(build: (site: Awaited<ReturnType<typeof makeSite>>) => Buffer, fileSpecialBits?: "keep" | "strip") {
  const site = await makeSite();
  const archivePath = path.join(scratch, `${randomBytes(4).toString("hex")}.tar.gz`);
  await fs.writeFile(archivePath, build(site));
  const outcome = await extractFile(archivePath, site.staging, undefined, fileSpecialBits ? { fileSpecialBits } : {});
  await fs.rm(archivePath);
  return { site, ...outcome };
}

describe("extractor: valid link archives", () => {
  it.each(LINK_ARCHIVES.map((a) => ({ ...a })))("$name: creates exactly its links, writes nothing through them", async (item) => {
    const passwd = await hostStat("/etc/passwd");
    const { site, result, error } = await extractInSite((s) => item.build({ trapDir: s.trapDir }));
    try {
      expect(error).toBeNull();
      const ctx = { trapDir: site.trapDir };
      const symlinks = item.symlinks(ctx);
      expect(result).toMatchObject({ symlinks: symlinks.length, hardlinks: item.hardlinks.length });
      for (const l of symlinks) {
        const full = path.join(site.staging[l.volume]!, l.path);
        expect((await fs.lstat(full)).isSymbolicLink(), l.path).toBe(true);
        expect(await fs.readlink(full), l.path).toBe(l.target);
      }
      for (const h of item.hardlinks) {
        const [link, target] = await Promise.all([
          fs.lstat(path.join(site.staging[h.volume]!, h.path)),
          fs.lstat(path.join(site.staging[h.volume]!, h.target)),
        ]);
        expect(link.isFile(), h.path).toBe(true);
        expect([link.ino, link.dev], h.path).toEqual([target.ino, target.dev]);
        expect(link.nlink).toBeGreaterThanOrEqual(2);
      }
      for (const f of item.files) expect(await fs.readFile(path.join(site.staging[f.volume]!, f.path), "utf8"), f.path).toBe(f.content);
      // Nothing written through a link: the trap dir is empty, the outside marker area and the
      // live volumes are as they were, nothing else exists beside staging, /etc/passwd untouched.
      expect(await fs.readdir(site.trapDir)).toEqual([]);
      expect(await outsideStaging(site)).toEqual([...site.baseline, ...site.stagingNames].sort());
      expect(await hashTree(site.outside)).toEqual(site.before.outside);
      for (const [i, l] of site.live.entries()) expect(await hashTree(l)).toEqual(site.before.live[i]);
      expect(await hostStat("/etc/passwd")).toEqual(passwd);
      expect(await exists(ESCAPE_DIR)).toBe(false);
    } finally {
      await fs.rm(site.root, { recursive: true, force: true });
    }
  });
});

describe("extractor: owners and times (v2)", () => {
  it("applies numeric owners to every entry (names ignored), symlinks included, and symlinks' mtimes", async () => {
    let marker = "";
    const { site, error } = await extractInSite((s) =>
      gz2([
        dir(v0(""), { mode: 0o700, uid: 999, gid: 999 }),
        file(v0("pg.conf"), "conf", { mode: 0o600, uid: 999, gid: 999, uname: "root", gname: "root" }),
        dir(v0("www/"), { mode: 0o3775, uid: 33, gid: 33, uname: "nobody" }),
        pax({ uid: "3000000", gid: "4000000", uname: "root", gname: "root" }),
        file(v0("www/big-ids"), "b", { mode: 0o640 }),
        symlink(v0("www/link"), "../pg.conf", { uid: 70, gid: 71, mtime: 1_500_000_000 }),
        // Absolute, at a file of the site: a chown / utimes that followed it would change the marker.
        symlink(v0("abs"), (marker = path.join(s.outside, "marker.txt")), { uid: 1234, gid: 5678, mtime: 1_400_000_000 }),
        dir(v1(""), { uid: 1, gid: 2 }),
      ]),
    );
    try {
      expect(error).toBeNull();
      const [s0, s1] = site.staging as [string, string];
      const owner = async (p: string) => {
        const st = await fs.lstat(p);
        return [st.uid, st.gid];
      };
      expect({
        root: await owner(s0),
        conf: await owner(path.join(s0, "pg.conf")),
        www: await owner(path.join(s0, "www")),
        bigIds: await owner(path.join(s0, "www/big-ids")),
        link: await owner(path.join(s0, "www/link")),
        abs: await owner(path.join(s0, "abs")),
        root1: await owner(s1),
      }).toEqual({
        root: [999, 999],
        conf: [999, 999],
        www: [33, 33],
        bigIds: [3_000_000, 4_000_000],
        link: [70, 71],
        abs: [1234, 5678],
        root1: [1, 2],
      });
      expect(((await fs.lstat(path.join(s0, "www"))).mode & 0o7777).toString(8)).toBe("3775");
      expect((await fs.lstat(path.join(s0, "www/link"))).mtimeMs).toBe(1_500_000_000_000);
      expect((await fs.lstat(path.join(s0, "abs"))).mtimeMs).toBe(1_400_000_000_000);
      // The links' targets kept their own owner and time: lchown / lutimes, not chown / utimes.
      expect(await hashTree(site.outside)).toEqual(site.before.outside);
      expect(await owner(marker)).toEqual([process.getuid!(), process.getgid!()]);
      expect((await fs.stat(marker)).mtimeMs).not.toBe(1_400_000_000_000);
      expect(await owner(path.join(s0, "pg.conf"))).toEqual([999, 999]);
    } finally {
      await fs.rm(site.root, { recursive: true, force: true });
    }
  });
});

describe("extractor: setuid / setgid policy (v2)", () => {
  const archive = () =>
    gz2([
      dir(v0(""), { mode: 0o755 }),
      file(v0("suid"), "x", { mode: 0o4755 }),
      file(v0("sgid"), "x", { mode: 0o2755 }),
      file(v0("both"), "x", { mode: 0o6750, uid: 999, gid: 999 }),
      file(v0("plain"), "x", { mode: 0o644 }),
      dir(v0("shared/"), { mode: 0o3775, uid: 33, gid: 33 }),
      dir(v0("sgid-dir/"), { mode: 0o2770 }),
      dir(v0("tmp/"), { mode: 0o1777 }),
      file(v0("sgid-dir/child"), "x", { mode: 0o2711 }),
      hardlink(v0("suid-link"), v0("suid")),
      dir(v1(""), { mode: 0o2775 }),
      file(v1("tool"), "x", { mode: 0o4711 }),
    ]);
  const modes = async (staging: string[]) => {
    const [s0, s1] = staging as [string, string];
    const m = async (p: string) => ((await fs.lstat(p)).mode & 0o7777).toString(8);
    return {
      suid: await m(path.join(s0, "suid")),
      sgid: await m(path.join(s0, "sgid")),
      both: await m(path.join(s0, "both")),
      plain: await m(path.join(s0, "plain")),
      shared: await m(path.join(s0, "shared")),
      sgidDir: await m(path.join(s0, "sgid-dir")),
      tmp: await m(path.join(s0, "tmp")),
      child: await m(path.join(s0, "sgid-dir/child")),
      suidLink: await m(path.join(s0, "suid-link")),
      root1: await m(s1),
      tool: await m(path.join(s1, "tool")),
    };
  };

  it('"strip" clears setuid/setgid on files and lists them; directories keep setgid and sticky', async () => {
    const { site, result, error } = await extractInSite(archive, "strip");
    try {
      expect(error).toBeNull();
      expect(await modes(site.staging)).toEqual({
        suid: "755",
        sgid: "755",
        both: "750",
        plain: "644",
        shared: "3775",
        sgidDir: "2770",
        tmp: "1777",
        child: "711",
        suidLink: "755",
        root1: "2775",
        tool: "711",
      });
      expect(result!.strippedSpecialBits.count).toBe(5);
      expect([...result!.strippedSpecialBits.paths].sort()).toEqual([
        "/data0/both",
        "/data0/sgid",
        "/data0/sgid-dir/child",
        "/data0/suid",
        "/data1/tool",
      ]);
    } finally {
      await fs.rm(site.root, { recursive: true, force: true });
    }
  });

  it('"keep" keeps every bit and strips nothing', async () => {
    const { site, result, error } = await extractInSite(archive, "keep");
    try {
      expect(error).toBeNull();
      expect(await modes(site.staging)).toEqual({
        suid: "4755",
        sgid: "2755",
        both: "6750",
        plain: "644",
        shared: "3775",
        sgidDir: "2770",
        tmp: "1777",
        child: "2711",
        suidLink: "4755",
        root1: "2775",
        tool: "4711",
      });
      expect(result!.strippedSpecialBits).toEqual({ count: 0, paths: [] });
    } finally {
      await fs.rm(site.root, { recursive: true, force: true });
    }
  });

  it("counts every stripped file but lists at most 100", async () => {
    const { site, result, error } = await extractInSite(
      () =>
        gz2([
          dir(v0("")),
          ...Array.from({ length: 150 }, (_, i) => file(v0(`bin/tool-${String(i).padStart(3, "0")}`), "x", { mode: 0o4755 })),
          dir(v1("")),
        ]),
      "strip",
    );
    try {
      expect(error).toBeNull();
      expect(result!.strippedSpecialBits.count).toBe(150);
      expect(result!.strippedSpecialBits.paths).toHaveLength(100);
      expect(result!.strippedSpecialBits.paths.every((p) => /^\/data0\/bin\/tool-\d{3}$/.test(p))).toBe(true);
      const listed = await fs.readdir(path.join(site.staging[0]!, "bin"));
      const stillSpecial = [];
      for (const name of listed) if ((await fs.lstat(path.join(site.staging[0]!, "bin", name))).mode & 0o6000) stillSpecial.push(name);
      expect([listed.length, stillSpecial]).toEqual([150, []]);
    } finally {
      await fs.rm(site.root, { recursive: true, force: true });
    }
  });
});

describe("extractor: sparse files (v2)", () => {
  it("writes the data segments at their offsets and leaves the holes unallocated", async () => {
    const MiB = 1024 * 1024;
    const big: SparseSegment[] = [
      [4096, 4096],
      [4 * MiB, 8192],
      [8 * MiB, 0],
    ];
    const large: SparseSegment[] = [
      [0, 300 * 1024],
      [6 * MiB, 4096],
    ]; // over the small-file path's size, ends in data
    const { site, error } = await extractInSite(() =>
      gz2([
        dir(v0("")),
        ...sparseFile({ name: v0("holes.bin"), realSize: 8 * MiB, map: big }),
        ...sparseFile({ name: v0("large.bin"), realSize: 6 * MiB + 4096, map: large }),
        ...sparseFile({ name: v0("all-hole.bin"), realSize: 16 * MiB, map: [[16 * MiB, 0]] }),
        dir(v1("")),
      ]),
    );
    try {
      expect(error).toBeNull();
      const s0 = site.staging[0]!;
      const check = async (name: string, realSize: number, map: SparseSegment[]) => {
        const full = path.join(s0, name);
        const st = await fs.stat(full);
        const data = map.reduce((sum, [, l]) => sum + l, 0);
        expect(st.size, name).toBe(realSize);
        expect((await fs.readFile(full)).equals(sparseContent(realSize, map)), name).toBe(true);
        // Allocated: the data rounded to 4 KiB blocks, plus a little slack for the filesystem.
        expect(st.blocks * 512, name).toBeLessThanOrEqual(data + 64 * 1024);
      };
      await check("holes.bin", 8 * MiB, big);
      await check("large.bin", 6 * MiB + 4096, large);
      await check("all-hole.bin", 16 * MiB, [[16 * MiB, 0]]);
      // The stand-in name GNU tar writes in the header is never created.
      expect(await fs.readdir(s0)).toEqual(expect.not.arrayContaining(["GNUSparseFile.0"]));
    } finally {
      await fs.rm(site.root, { recursive: true, force: true });
    }
  });
});
