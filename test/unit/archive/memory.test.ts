import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSnapshotArchive } from "~/server/engine/archive/archive-writer";
import { readSnapshotArchive } from "~/server/engine/archive/strict-reader";

const MiB = 1024 * 1024;
const FILE_SIZE = 300 * MiB;
const MAX_GROWTH = 60 * MiB;

/** Peak RSS above the level when started, sampled every few milliseconds. */
function rssSampler() {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  return () => {
    clearInterval(timer);
    return Math.max(peak, process.memoryUsage().rss) - base;
  };
}

let tmp: string;
let hostPath: string;
const expected = createHash("sha256");

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "berth-archive-mem-"));
  hostPath = path.join(tmp, "vol");
  await fs.mkdir(hostPath);
  // 300 MB of mostly zeros with 1 MB of random data every 16 MB (fast to gzip).
  const handle = await fs.open(path.join(hostPath, "big.bin"), "w");
  await handle.truncate(FILE_SIZE);
  for (let offset = 0; offset < FILE_SIZE; offset += 16 * MiB) await handle.write(randomBytes(MiB), 0, MiB, offset);
  await handle.close();
  // Allocate the holes (as zeros): a plain 300 MB file, not one the writer stores as sparse.
  execFileSync("fallocate", ["-l", String(FILE_SIZE), path.join(hostPath, "big.bin")]);
  for await (const chunk of createReadStream(path.join(hostPath, "big.bin"))) expected.update(chunk as Buffer);
});
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

describe("archive memory use", () => {
  it(`writes and strictly reads a 300 MB file with RSS growth under ${MAX_GROWTH / MiB} MB`, async () => {
    const archive = path.join(tmp, "big.tar.gz");
    const volumes = [{ index: 0, target: "/data", scope: "project", source: "data", hostPath }];
    const meta = { snapshotId: "s", workloadId: "w", workloadName: "big", createdAt: new Date() };

    const writeGrowth = rssSampler();
    const written = await writeSnapshotArchive({ volumes, meta, output: createWriteStream(archive), gzipLevel: 1 });
    const grewWriting = writeGrowth();

    const readGrowth = rssSampler();
    const hash = createHash("sha256");
    const read = await readSnapshotArchive(createReadStream(archive), {
      onEntry: async (_entry, body) => {
        if (body) for await (const chunk of body) hash.update(chunk as Buffer);
      },
    });
    const grewReading = readGrowth();

    expect(written.manifest.volumes[0]).toMatchObject({ files: 1, bytes: FILE_SIZE });
    expect(read.bytes).toBe(FILE_SIZE);
    expect(hash.digest("hex")).toBe(expected.digest("hex"));
    expect(grewWriting).toBeLessThan(MAX_GROWTH);
    expect(grewReading).toBeLessThan(MAX_GROWTH);
  }, 20_000);
});
