import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { gunzipSync, inflateRawSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSnapshotArchive, type WriteSnapshotArchiveResult } from "~/server/engine/archive/archive-writer";
import { looksIncompressible, ParallelGzip } from "~/server/engine/archive/parallel-gzip";
import { readSnapshotArchive } from "~/server/engine/archive/strict-reader";

const KiB = 1024;
const MiB = 1024 * KiB;
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");
const run = (cmd: string, args: string[], input?: Buffer) =>
  execFileSync(cmd, args, { input, maxBuffer: 256 * MiB, env: { ...process.env, LC_ALL: "C.UTF-8" } });

/** Log-like text: deflates to about a third, like real logs, not trivially repetitive. */
function text(bytes: number, seed = 1): Buffer {
  let state = seed;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 8;
  const letters = "etaoinshrdlucmfwypvbgkjqxz";
  const words = Array.from({ length: 500 }, () =>
    Array.from({ length: 2 + (next() % 8) }, () => letters[next() % (1 + (next() % 26))]).join(""),
  );
  const parts: string[] = [];
  let length = 0;
  while (length < bytes) {
    const line = `2024-05-01T12:${next() % 60}:${next() % 60}.${next() % 1000}Z ${words[next() % 40]} ${words[next() % words.length]} ${words[next() % words.length]} id=${next() % 100000}\n`;
    parts.push(line);
    length += line.length;
  }
  return Buffer.from(parts.join("")).subarray(0, bytes);
}

/** Sizes of the gzip members of `data` (ours carry the plain 10-byte header). */
function memberSizes(data: Buffer): number[] {
  const sizes: number[] = [];
  for (let offset = 0; offset < data.length; ) {
    expect([data[offset], data[offset + 1], data[offset + 2], data[offset + 3]]).toEqual([0x1f, 0x8b, 8, 0]);
    const { engine } = inflateRawSync(data.subarray(offset + 10), { info: true }) as unknown as { engine: { bytesWritten: number } };
    const size = 10 + engine.bytesWritten + 8;
    sizes.push(size);
    offset += size;
  }
  return sizes;
}

async function compress(input: Buffer, options: ConstructorParameters<typeof ParallelGzip>[0], pieces = 7919) {
  const chunks: Buffer[] = [];
  const gzip = new ParallelGzip(options);
  // Odd-sized writes: blocks are assembled across chunk boundaries.
  async function* source() {
    for (let i = 0; i < input.length; i += pieces) yield input.subarray(i, i + pieces);
  }
  await pipeline(Readable.from(source()), gzip, new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) }));
  return { output: Buffer.concat(chunks), members: gzip.members };
}

describe("ParallelGzip", () => {
  const random = randomBytes(3 * MiB + 123);
  const compressible = text(3 * MiB + 456);
  const mixed = Buffer.concat([compressible.subarray(0, MiB), random.subarray(0, 2 * MiB), Buffer.alloc(MiB), compressible.subarray(MiB)]);

  it("emits one gzip member per block, in order, that gunzip and gzip -t accept", async () => {
    const { output, members } = await compress(mixed, { blockSize: 256 * KiB, concurrency: 3 });
    const blocks = Math.ceil(mixed.length / (256 * KiB));
    expect(memberSizes(output)).toHaveLength(blocks);
    expect(members.stored + members.deflated).toBe(blocks);
    expect(gunzipSync(output).equals(mixed)).toBe(true);
    expect(run("gzip", ["-dc"], output).equals(mixed)).toBe(true);
    expect(() => run("gzip", ["-t"], output)).not.toThrow();
  });

  it("stores random-looking blocks and deflates the rest", async () => {
    const { members } = await compress(mixed, { blockSize: 256 * KiB });
    // 8 random blocks of 256 KiB (the first one straddles text and is deflated: 7 or 8).
    expect(members.stored).toBeGreaterThanOrEqual(7);
    expect(members.stored).toBeLessThanOrEqual(8);
    expect(members.deflated).toBeGreaterThan(members.stored);
    const storedOnly = await compress(random, { blockSize: 256 * KiB });
    expect(storedOnly.members.deflated).toBe(1); // the short last block is never sampled
    expect(storedOnly.output.length).toBeLessThan(random.length * 1.001);
    const deflated = await compress(compressible, { blockSize: 256 * KiB });
    expect(deflated.members.stored).toBe(0);
    expect(deflated.output.length).toBeLessThan(compressible.length / 3);
  });

  it("stays within 3% of gzip -6 on text (independent blocks) and within 0.1% on random data", async () => {
    const onText = await compress(compressible, {});
    expect(onText.output.length).toBeLessThan(run("gzip", ["-6", "-c"], compressible).length * 1.03);
    const onRandom = await compress(random, {});
    expect(onRandom.output.length).toBeLessThan(run("gzip", ["-6", "-c"], random).length * 1.001);
  });

  it("is deterministic and independent of chunking and concurrency", async () => {
    const a = await compress(mixed, { blockSize: 128 * KiB, concurrency: 1 }, 100_000);
    const b = await compress(mixed, { blockSize: 128 * KiB, concurrency: 4 }, 4096);
    expect(sha256(a.output)).toBe(sha256(b.output));
  });

  it("handles empty input and a single short block", async () => {
    const empty = await compress(Buffer.alloc(0), {});
    expect(empty.output.length).toBe(0);
    const short = await compress(Buffer.from("hi"), {});
    expect(gunzipSync(short.output).toString()).toBe("hi");
  });

  it("keeps a bounded number of blocks in flight when the consumer is slow", async () => {
    const gzip = new ParallelGzip({ blockSize: 64 * KiB, concurrency: 2 });
    let pulled = 0;
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < 200; i++) {
          pulled++;
          yield random.subarray(0, 64 * KiB);
        }
      })(),
    );
    const blocked = new Writable({ highWaterMark: 1, write: () => {} }); // never calls back
    void pipeline(source, gzip, blocked).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(pulled).toBeLessThan(20);
    source.destroy();
  });

  it("guesses compressibility from a sample", () => {
    expect(looksIncompressible(randomBytes(MiB))).toBe(true);
    expect(looksIncompressible(text(MiB))).toBe(false);
    expect(looksIncompressible(Buffer.alloc(MiB))).toBe(false);
    expect(looksIncompressible(Buffer.concat([text(MiB / 2), randomBytes(MiB / 2)]))).toBe(false);
    expect(looksIncompressible(randomBytes(1000))).toBe(false); // too small to bother
  });
});

describe("snapshot archives from the parallel compressor", () => {
  let tmp: string;
  let archivePath: string;
  let written: WriteSnapshotArchiveResult;
  const files: Record<string, Buffer> = {
    "text.log": text(5 * MiB),
    "random.bin": randomBytes(4 * MiB + 77),
    "zeros.img": Buffer.alloc(3 * MiB),
    "small/a.txt": text(3000, 2),
    "small/b.bin": randomBytes(5000),
    "small/empty": Buffer.alloc(0),
  };
  for (let i = 0; i < 300; i++)
    files[`many/f${String(i).padStart(3, "0")}.${i % 2 ? "txt" : "bin"}`] = i % 2 ? text(100 + i * 37, i) : randomBytes(100 + i * 37);

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), "berth-pgzip-"));
    const hostPath = path.join(tmp, "vol");
    for (const [name, data] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(hostPath, name)), { recursive: true });
      await fs.writeFile(path.join(hostPath, name), data);
    }
    archivePath = path.join(tmp, "snapshot.tar.gz");
    written = await writeSnapshotArchive({
      volumes: [{ index: 0, target: "/data", scope: "project", source: "data", hostPath }],
      meta: { snapshotId: "s", workloadId: "w", workloadName: "web", createdAt: "2024-05-01T12:00:00.000Z" },
      output: createWriteStream(archivePath),
    });
  });
  afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

  it("is a multi-member gzip that gzip -t accepts", async () => {
    const archive = await fs.readFile(archivePath);
    expect(memberSizes(archive).length).toBeGreaterThan(10);
    expect(() => run("gzip", ["-t", archivePath])).not.toThrow();
    expect(written.sha256).toBe(sha256(archive));
  });

  it("lists and extracts with GNU tar, byte for byte", async () => {
    const listing = run("tar", ["-tzf", archivePath]).toString().trim().split("\n");
    expect(listing[0]).toBe("berth-manifest.json");
    expect(listing).toContain("volumes/0/many/f299.txt");
    const out = path.join(tmp, "out");
    await fs.mkdir(out);
    run("tar", ["-xzf", archivePath, "-C", out]);
    for (const [name, data] of Object.entries(files))
      expect(sha256(await fs.readFile(path.join(out, "volumes/0", name))), name).toBe(sha256(data));
  });

  it("passes the strict reader with every file intact", async () => {
    const seen = new Map<string, string>();
    const result = await readSnapshotArchive(createReadStream(archivePath), {
      onEntry: async (entry, body) => {
        if (!body) return;
        const hash = createHash("sha256");
        for await (const chunk of body) hash.update(chunk as Buffer);
        seen.set(entry.relativePath, hash.digest("hex"));
      },
    });
    expect(result.manifest.volumes[0]).toMatchObject({ files: Object.keys(files).length });
    for (const [name, data] of Object.entries(files)) expect(seen.get(name), name).toBe(sha256(data));
  });

  it("is accepted by the strict reader when re-compressed elsewhere as many members (pigz, concatenated gzip)", async () => {
    const tar = gunzipSync(await fs.readFile(archivePath));
    const pigz = run("pigz", ["-6", "-b", "32", "-c"], tar);
    const concatenated = Buffer.concat(
      [0, 1, 2, 3].map((i) => run("gzip", ["-1", "-c"], tar.subarray((i * tar.length) / 4, ((i + 1) * tar.length) / 4))),
    );
    for (const archive of [pigz, concatenated]) {
      const result = await readSnapshotArchive(Readable.from([archive]));
      expect(result.entries).toBe(written.manifest.volumes[0]!.files + 3); // + the root, small/ and many/
    }
  });
});
