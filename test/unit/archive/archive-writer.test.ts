import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs_, { createReadStream, createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable, Writable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gzipMembers } from "../../support/archive-builder";
import { writeSnapshotArchive, type ArchiveVolumeInput, type WriteSnapshotArchiveResult } from "~/server/engine/archive/archive-writer";
import { ArchiveSourceChangedError } from "~/server/engine/archive/errors";
import { readSnapshotArchive, type ArchiveEntry } from "~/server/engine/archive/strict-reader";
import { encodeHeader } from "~/server/engine/archive/ustar";
import { DomainError } from "~/server/engine/errors";

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { env: { ...process.env, LC_ALL: "C.UTF-8" } }).toString("utf8");
const meta = { snapshotId: "snap-1", workloadId: "wl-1", workloadName: "web", createdAt: "2024-05-01T12:00:00.000Z" };

interface Spec {
  volume: number;
  path: string;
  mode: number;
  data?: Buffer; // absent: directory
}

// Two volumes exercising nesting, empties, a 5 MB random file, modes, non-ASCII names,
// a ustar prefix/name split, and paths only pax can carry.
const specs: Spec[] = [
  { volume: 0, path: "a", mode: 0o755 },
  { volume: 0, path: "a/b", mode: 0o750 },
  { volume: 0, path: "a/b/c", mode: 0o755 },
  { volume: 0, path: "a/b/c/deep.txt", mode: 0o644, data: Buffer.from("deep\n") },
  { volume: 0, path: "empty", mode: 0o755 },
  { volume: 0, path: "empty.txt", mode: 0o644, data: Buffer.alloc(0) },
  { volume: 0, path: "big.bin", mode: 0o644, data: randomBytes(5 * 1024 * 1024) },
  { volume: 0, path: "secret.txt", mode: 0o600, data: Buffer.from("secret") },
  { volume: 0, path: "run.sh", mode: 0o755, data: Buffer.from("#!/bin/sh\necho hi\n") },
  { volume: 0, path: "split", mode: 0o755 },
  { volume: 0, path: `split/${"s".repeat(90)}`, mode: 0o755 },
  { volume: 0, path: `split/${"s".repeat(90)}/${"t".repeat(60)}.txt`, mode: 0o644, data: Buffer.from("ustar prefix") },
  { volume: 0, path: "long", mode: 0o755 },
  { volume: 0, path: `long/${"x".repeat(120)}`, mode: 0o755 },
  { volume: 0, path: `long/${"x".repeat(120)}/${"y".repeat(120)}.txt`, mode: 0o644, data: Buffer.from("pax path") },
  { volume: 1, path: "данные", mode: 0o755 },
  { volume: 1, path: "данные/файл.txt", mode: 0o644, data: Buffer.from("файл\n") },
  { volume: 1, path: "日本.txt", mode: 0o644, data: Buffer.from("日本\n") },
  { volume: 1, path: "private", mode: 0o700 },
  { volume: 1, path: `${"ж".repeat(60)}`, mode: 0o755 },
  { volume: 1, path: `${"ж".repeat(60)}/${"я".repeat(60)}.txt`, mode: 0o644, data: Buffer.from("non-ASCII pax") },
];

const links = [
  { path: "link", target: "/etc/passwd" },
  { path: "a/linkdir", target: "/etc" },
];

let tmp: string;
let volumes: ArchiveVolumeInput[];
let archivePath: string;
let written: WriteSnapshotArchiveResult;
let archive: Buffer;

const archivePathOf = (s: { volume: number; path: string; data?: Buffer }) => `volumes/${s.volume}/${s.path}${s.data ? "" : "/"}`;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "berth-archive-"));
  volumes = [0, 1].map((index) => ({
    index,
    target: `/data${index}`,
    scope: "project",
    source: `vol${index}`,
    hostPath: path.join(tmp, `v${index}`),
  }));
  for (const v of volumes) await fs.mkdir(v.hostPath);
  for (const s of specs) {
    const p = path.join(volumes[s.volume]!.hostPath, s.path);
    if (s.data) await fs.writeFile(p, s.data);
    else await fs.mkdir(p);
  }
  for (const s of [...specs].reverse()) await fs.chmod(path.join(volumes[s.volume]!.hostPath, s.path), s.mode);
  // Archived as links (v2), never followed.
  for (const l of links) await fs.symlink(l.target, path.join(volumes[0]!.hostPath, l.path));
  // Never archived: listed in manifest.skipped.
  execFileSync("mkfifo", [path.join(volumes[0]!.hostPath, "fifo")]);

  archivePath = path.join(tmp, "snapshot.tar.gz");
  written = await writeSnapshotArchive({ volumes, meta, output: createWriteStream(archivePath) });
  archive = await fs.readFile(archivePath);
});
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

const linkPaths = links.map((l) => `volumes/0/${l.path}`);
const expectedPaths = () => [
  "berth-manifest.json",
  ...[...specs.map(archivePathOf), ...linkPaths, "volumes/0/", "volumes/1/"].sort((a, b) => (a < b ? -1 : 1)),
];
const dataEntries = specs.length + links.length + 2;

describe("writeSnapshotArchive round trip", () => {
  it("(a) GNU tar lists exactly the expected entries, manifest first, owned by 0/0", () => {
    const lines = run("tar", ["--numeric-owner", "-tzvf", archivePath]).trimEnd().split("\n");
    const parsed = lines.map((line) => /^(\S+) (\S+)\s+(\d+) \S+ \S+ (.*)$/.exec(line)!);
    const shown = (p: string) => (linkPaths.includes(p) ? `${p} -> ${links[linkPaths.indexOf(p)]!.target}` : p);
    expect(parsed.map((m) => m[4])).toEqual(expectedPaths().map(shown));
    expect(new Set(parsed.map((m) => m[2]))).toEqual(new Set(["0/0"]));
    expect(parsed.find((m) => m[4] === "volumes/0/big.bin")![3]).toBe(String(5 * 1024 * 1024));
  });

  it("(b) GNU tar extracts byte-identical files with the same modes", async () => {
    const out = path.join(tmp, "extracted");
    await fs.mkdir(out);
    run("tar", ["-xpzf", archivePath, "-C", out]);
    for (const s of specs) {
      const source = path.join(volumes[s.volume]!.hostPath, s.path);
      const copy = path.join(out, "volumes", String(s.volume), s.path);
      const st = await fs.lstat(copy);
      expect(st.mode & 0o777, s.path).toBe(s.mode);
      if (s.data) {
        expect(sha256(await fs.readFile(copy)), s.path).toBe(sha256(s.data));
        expect(Math.floor(st.mtimeMs / 1000)).toBe(Math.floor((await fs.stat(source)).mtimeMs / 1000));
      } else {
        expect(st.isDirectory()).toBe(true);
      }
    }
    for (const l of links) expect(await fs.readlink(path.join(out, "volumes/0", l.path))).toBe(l.target);
    await expect(fs.lstat(path.join(out, "volumes/0", "fifo"))).rejects.toMatchObject({ code: "ENOENT" });
    const manifest = JSON.parse(await fs.readFile(path.join(out, "berth-manifest.json"), "utf8"));
    expect(manifest).toEqual(written.manifest);
  });

  it("(c) gzip -t passes", () => {
    expect(() => run("gzip", ["-t", archivePath])).not.toThrow();
  });

  it("(d) the strict reader accepts it and reports the same entries and data", async () => {
    const entries: (ArchiveEntry & { hash?: string })[] = [];
    const result = await readSnapshotArchive(createReadStream(archivePath), {
      onEntry: async (entry, body) => {
        if (!body) return void entries.push(entry);
        const hash = createHash("sha256");
        for await (const chunk of body) hash.update(chunk as Buffer);
        entries.push({ ...entry, hash: hash.digest("hex") });
      },
    });
    expect(result.manifest).toEqual(written.manifest);
    expect(entries.map((e) => `volumes/${e.volumeIndex}/${e.relativePath}${e.kind === "directory" ? "/" : ""}`.replace("//", "/"))).toEqual(
      expectedPaths().slice(1),
    );
    for (const s of specs) {
      const e = entries.find((x) => x.volumeIndex === s.volume && x.relativePath === s.path)!;
      expect([e.kind, e.mode, e.size, e.hash, e.uid, e.gid]).toEqual(
        s.data ? ["file", s.mode, s.data.length, sha256(s.data), 0, 0] : ["directory", s.mode, 0, undefined, 0, 0],
      );
    }
    for (const l of links) {
      expect(entries.find((x) => x.volumeIndex === 0 && x.relativePath === l.path)).toMatchObject({
        kind: "symlink",
        linkTarget: l.target,
        size: 0,
      });
    }
    expect(result.entries).toBe(dataEntries);
    expect(result.bytes).toBe(specs.reduce((n, s) => n + (s.data?.length ?? 0), 0));
  });

  it("(e) sha256 and size describe the compressed bytes written", () => {
    expect(written.sha256).toBe(run("sha256sum", [archivePath]).split(" ")[0]);
    expect(written.size).toBe(archive.length);
  });

  it("(f) the manifest counts files and bytes per volume and lists what was skipped", () => {
    const count = (volume: number) => {
      const files = specs.filter((s) => s.volume === volume && s.data);
      return { files: files.length, bytes: files.reduce((n, s) => n + s.data!.length, 0) };
    };
    expect(written.manifest).toMatchObject({
      format: "berth-snapshot",
      version: 2,
      ...meta,
      volumes: [0, 1].map((i) => ({ index: i, target: `/data${i}`, scope: "project", source: `vol${i}`, ...count(i) })),
      skipped: [{ volume: 0, path: "fifo", type: "fifo" }],
    });
  });

  it("accepts the same tar re-gzipped as several members", async () => {
    const tar = gunzipSync(archive);
    const cut = Math.floor(tar.length / 2) + 123;
    const result = await readSnapshotArchive(Readable.from([gzipMembers(tar.subarray(0, cut), tar.subarray(cut))]));
    expect(result.entries).toBe(dataEntries);
  });

  it("reads back an archive GNU tar re-created from the extracted tree", async () => {
    const out = path.join(tmp, "extracted");
    for (const format of ["gnu", "posix"]) {
      const repacked = path.join(tmp, `repacked-${format}.tar.gz`);
      const args = ["-czf", repacked, `--format=${format}`, "--sort=name", "-C", out, "berth-manifest.json", "volumes/0", "volumes/1"];
      // The manifest must be the very first header: no pax record (atime/ctime) before it.
      if (format === "posix") args.unshift("--pax-option=delete=atime,delete=ctime");
      run("tar", args);
      const result = await readSnapshotArchive(createReadStream(repacked));
      expect(result.entries, format).toBe(dataEntries);
    }
  });

  it("is deterministic", async () => {
    const chunks: Buffer[] = [];
    const sink = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) });
    const again = await writeSnapshotArchive({ volumes, meta, output: sink });
    expect(again.sha256).toBe(written.sha256);
    expect(Buffer.concat(chunks).equals(archive)).toBe(true);
  });
});

describe("writeSnapshotArchive edge cases", () => {
  const nullSink = () => new Writable({ write: (_c, _e, cb) => cb() });
  async function volumeWith(files: Record<string, string | Buffer>) {
    const dir = await fs.mkdtemp(path.join(tmp, "vol-"));
    for (const [name, data] of Object.entries(files)) await fs.writeFile(path.join(dir, name), data);
    return { index: 0, target: "/data", scope: "project", source: "data", hostPath: dir };
  }

  it("reads without touching access times (O_NOATIME), small and large files alike", async () => {
    const volume = await volumeWith({ "small.txt": "small", "large.bin": randomBytes(300 * 1024) });
    // atime = mtime in the past: under relatime, any ordinary read would move atime to now.
    const past = new Date("2024-01-01T00:00:00Z");
    for (const name of ["small.txt", "large.bin"]) await fs.utimes(path.join(volume.hostPath, name), past, past);
    await writeSnapshotArchive({ volumes: [volume], meta, output: nullSink() });
    for (const name of ["small.txt", "large.bin"]) {
      expect((await fs.stat(path.join(volume.hostPath, name))).atime.toISOString(), name).toBe(past.toISOString());
    }
  });

  it("skips names the strict reader would refuse, and the result is accepted", async () => {
    const volume = await volumeWith({ "back\\slash": "1", "new\nline": "2", "caf\u00e9": "3", "cafe\u0301": "4", ok: "5" });
    await fs.writeFile(Buffer.concat([Buffer.from(`${volume.hostPath}/bad-`), Buffer.from([0xff])]), "6");
    await fs.mkdir(path.join(volume.hostPath, "deep"));
    let deep = path.join(volume.hostPath, "deep");
    for (let i = 0; i < 70; i++) await fs.mkdir((deep = path.join(deep, "d")));
    const chunks: Buffer[] = [];
    const { manifest } = await writeSnapshotArchive({
      volumes: [volume],
      meta,
      output: new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) }),
    });
    const unsupported = manifest.skipped.filter((s) => s.type === "unsupported-name").map((s) => s.path);
    expect(unsupported).toHaveLength(5);
    expect(unsupported).toEqual(expect.arrayContaining(["back\\slash", "new\nline", "bad-\ufffd"]));
    expect(unsupported.some((p) => p.startsWith("deep/d/d/"))).toBe(true);
    // Exactly one of the two normalization twins is kept.
    expect(unsupported.filter((p) => p.normalize("NFC") === "caf\u00e9")).toHaveLength(1);
    const read = await readSnapshotArchive(Readable.from([Buffer.concat(chunks)]));
    expect(read.manifest.volumes[0]).toMatchObject({ files: 2, bytes: 2 });
  });

  // Mutations run synchronously from onProgress, i.e. after the walk and mid-stream.
  const MiB = 1024 * 1024;
  it.each([
    ["b changed size before its read", (dir: string) => fs_.truncateSync(`${dir}/b`, 10), /'b' changed size/],
    ["b vanished before its read", (dir: string) => fs_.unlinkSync(`${dir}/b`), /'b' vanished/],
    ["b was replaced before its read", (dir: string) => fs_.renameSync(`${dir}/c`, `${dir}/b`), /'b' was replaced/],
    [
      "b became a symlink before its read",
      (dir: string) => (fs_.unlinkSync(`${dir}/b`), fs_.symlinkSync("/etc/passwd", `${dir}/b`)),
      /'b' was replaced/,
    ],
    [
      "a shrank while being read",
      (dir: string, done: number) => done === 256 * 1024 && fs_.truncateSync(`${dir}/a`, 300 * 1024),
      /'a' shrank/,
    ],
    ["a grew while being read", (dir: string, done: number) => done === MiB && fs_.appendFileSync(`${dir}/a`, "more"), /'a' grew/],
  ])("fails with ArchiveSourceChangedError when %s", async (_what, mutate, message) => {
    const volume = await volumeWith({ a: randomBytes(MiB), b: randomBytes(MiB), c: "other inode" });
    let mutated = false;
    const err = await writeSnapshotArchive({
      volumes: [volume],
      meta,
      output: nullSink(),
      onProgress: ({ bytesDone }) => {
        if (!mutated) mutated = mutate(volume.hostPath, bytesDone) !== false;
      },
    }).catch((e: unknown) => e);
    expect(mutated).toBe(true);
    expect(err).toBeInstanceOf(ArchiveSourceChangedError);
    expect((err as ArchiveSourceChangedError).code).toBe("CONFLICT");
    expect((err as Error).message).toMatch(message);
  });

  it("writes a volume of allocated zeros (preallocated files deflate ~1000:1) that the default reader accepts", async () => {
    const volume = await volumeWith({ zeros: "" });
    // fallocate: 300 MB of allocated zeros, not a hole: stored whole, like a preallocated database file.
    execFileSync("fallocate", ["-l", String(300 * 1024 * 1024), path.join(volume.hostPath, "zeros")]);
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, done) {
        chunks.push(chunk);
        done();
      },
    });
    const written = await writeSnapshotArchive({ volumes: [volume], meta, output: sink });
    expect(written.size).toBeLessThan(1024 * 1024);
    const read = await readSnapshotArchive(Readable.from([Buffer.concat(chunks)]));
    expect(read.bytes).toBe(300 * 1024 * 1024);
  });

  it("stores a file with holes as GNU tar's PAX 1.0 sparse entry: its map and data only", async () => {
    // Fails on v1, which stored all 64 MiB and restored it fully allocated.
    const volume = await volumeWith({ holes: "" });
    const file = path.join(volume.hostPath, "holes");
    const block = randomBytes(4096);
    const handle = await fs.open(file, "r+");
    await handle.truncate(64 * 1024 * 1024);
    await handle.write(block, 0, block.length, 40 * 4096);
    await handle.close();
    const archive = path.join(tmp, "holes.tar.gz");
    const written = await writeSnapshotArchive({ volumes: [volume], meta, output: createWriteStream(archive) });
    // The manifest counts the file's size, holes included; the archive carries its map and data only.
    expect(written.manifest.volumes[0]).toMatchObject({ files: 1, bytes: 64 * 1024 * 1024 });
    expect(written.size).toBeLessThan(64 * 1024);
    let seen: { entry: ArchiveEntry; data: Buffer } | undefined;
    await readSnapshotArchive(createReadStream(archive), {
      onEntry: async (entry, body) => {
        if (entry.kind !== "file") return;
        const chunks: Buffer[] = [];
        for await (const c of body!) chunks.push(c as Buffer);
        seen = { entry, data: Buffer.concat(chunks) };
      },
    });
    expect(seen!.entry.sparse).toEqual({ realSize: 64 * 1024 * 1024, segments: [[40 * 4096, 4096]] });
    expect(seen!.data.equals(block)).toBe(true);
    // GNU tar restores the same file with its hole.
    const out = await fs.mkdtemp(path.join(tmp, "gnu-"));
    run("tar", ["-xpzf", archive, "-C", out]);
    const copy = path.join(out, "volumes/0/holes");
    expect(sha256(await fs.readFile(copy))).toBe(sha256(await fs.readFile(file)));
    expect((await fs.stat(copy)).blocks * 512).toBeLessThanOrEqual(64 * 1024);
  });

  it("scans a large sparse file without holding the event loop, and the scan can be aborted", async () => {
    const volume = await volumeWith({ huge: "" });
    await fs.truncate(path.join(volume.hostPath, "huge"), 1024 ** 3);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 20);
    try {
      const written = await writeSnapshotArchive({ volumes: [volume], meta, output: nullSink() });
      expect(written.manifest.volumes[0]).toMatchObject({ files: 1, bytes: 1024 ** 3 });
    } finally {
      clearInterval(timer);
    }
    // Reading 1 GiB of holes takes a second or more; a synchronous scan lets no timer fire meanwhile.
    expect(ticks).toBeGreaterThanOrEqual(5);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    await expect(writeSnapshotArchive({ volumes: [volume], meta, output: nullSink(), signal: controller.signal })).rejects.toMatchObject({
      name: "AbortError",
    });
  }, 60_000);

  it("skips a symlink whose target the pax record could not carry to node-tar (a newline), and stays readable", async () => {
    const volume = await volumeWith({ plain: "x" });
    await fs.symlink(`${"a".repeat(120)}\nb`, path.join(volume.hostPath, "odd-link"));
    await fs.symlink("short\ntarget", path.join(volume.hostPath, "odd-short"));
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, done) {
        chunks.push(chunk);
        done();
      },
    });
    const written = await writeSnapshotArchive({ volumes: [volume], meta, output: sink });
    expect(written.manifest.skipped).toEqual([
      { volume: 0, path: "odd-link", type: "unsupported-link" },
      { volume: 0, path: "odd-short", type: "unsupported-link" },
    ]);
    await readSnapshotArchive(Readable.from([Buffer.concat(chunks)]));
  });

  it.runIf(fs_.existsSync("/dev/shm"))("writes a far-future mtime (tmpfs allows one) clamped, so the reader accepts it", async () => {
    const dir = await fs.mkdtemp("/dev/shm/berth-mtime-");
    try {
      await fs.writeFile(path.join(dir, "future"), "x");
      execFileSync("touch", ["-d", "@100000000000000000.5", path.join(dir, "future")]);
      const volume = { index: 0, target: "/data", scope: "project", source: "x", hostPath: dir };
      const chunks: Buffer[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _e, done) {
          chunks.push(chunk);
          done();
        },
      });
      await writeSnapshotArchive({ volumes: [volume], meta, output: sink });
      const mtimes: number[] = [];
      await readSnapshotArchive(Readable.from([Buffer.concat(chunks)]), {
        onEntryHeader: (e) => void (e.kind === "file" && mtimes.push(e.mtime.getTime())),
      });
      expect(mtimes[0]).toBeLessThanOrEqual(Date.now() + 86_400_000);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it("stops when the signal aborts", async () => {
    const volume = await volumeWith({ a: randomBytes(2 * 1024 * 1024) });
    const controller = new AbortController();
    const write = writeSnapshotArchive({
      volumes: [volume],
      meta,
      output: nullSink(),
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    await expect(write).rejects.toMatchObject({ name: "AbortError" });
  });

  it("refuses a missing volume folder", async () => {
    const volume = { index: 0, target: "/data", scope: "project", source: "x", hostPath: path.join(tmp, "nope") };
    await expect(writeSnapshotArchive({ volumes: [volume], meta, output: nullSink() })).rejects.toSatisfy(
      (e: unknown) => e instanceof DomainError && e.code === "PRECONDITION_FAILED" && !e.message.includes(tmp),
    );
  });

  it("encodes sizes beyond 8 GiB with a pax size record the reader honours", async () => {
    const size = 9 * 1024 * 1024 * 1024;
    const head = encodeHeader({ path: "volumes/0/huge", type: "file", size, mode: 0o644, mtime: 0 });
    expect(head.toString("latin1")).toContain(`size=${size}\n`);
    const manifest = Buffer.from(
      JSON.stringify({ ...written.manifest, volumes: [{ ...written.manifest.volumes[0], files: 1, bytes: size }], skipped: [] }),
    );
    const tar = Buffer.concat([
      encodeHeader({ path: "berth-manifest.json", type: "file", size: manifest.length, mode: 0o644, mtime: 0 }),
      manifest,
      Buffer.alloc((512 - (manifest.length % 512)) % 512),
      head,
      Buffer.alloc(1024),
    ]);
    const err = await readSnapshotArchive(Readable.from([gzipMembers(tar)])).catch((e: Error) => e);
    expect((err as Error).message).toMatch(new RegExp(`'volumes/0/huge': truncated data \\(${size - 1024} of ${size} bytes missing\\)`));
  });
});
