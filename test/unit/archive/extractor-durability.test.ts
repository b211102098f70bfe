// The extractor's durability step: one syncfs per staging filesystem (durable-fs.ts explains
// why that equals an fsync of every file and directory), made after the last byte, mode and
// mtime were written, and a failed flush fails the extraction. The flush is observed through
// a pass-through spy: the real `sync -f` still runs.
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { dir, file, gzip, snapshotTar } from "../../support/archive-builder";
import { hashTree } from "../../support/hash-tree";
import { syncFilesystem } from "~/server/engine/durable-fs";
import { extractSnapshotArchive } from "~/server/engine/archive/extractor";

vi.mock("~/server/engine/durable-fs", async (importOriginal) => {
  const actual = await importOriginal<typeof import("~/server/engine/durable-fs")>();
  return { ...actual, syncFilesystem: vi.fn(actual.syncFilesystem) };
});

const flush = vi.mocked(syncFilesystem);
const cleanup: string[] = [];
afterEach(async () => {
  flush.mockReset(); // back to the pass-through
  for (const p of cleanup.splice(0)) await fs.rm(p, { recursive: true, force: true });
});

async function tempDir(base: string): Promise<string> {
  const d = await fs.mkdtemp(path.join(base, "berth-xdurable-"));
  cleanup.push(d);
  return d;
}

const archive = gzip(
  snapshotTar([
    file("volumes/0/top.txt", "top"),
    file("volumes/0/implied/parent/deep.txt", "deep"),
    dir("volumes/0/closed/", { mode: 0o500 }),
    file("volumes/1/big.bin", Buffer.alloc(600 * 1024, 7)),
    dir("volumes/1/listed/child/"),
  ]),
);

async function extract(targets: string[]) {
  const scratch = await tempDir(os.tmpdir());
  const archivePath = path.join(scratch, "a.tar.gz");
  await fs.writeFile(archivePath, archive);
  return extractSnapshotArchive(createReadStream(archivePath), { targets: new Map(targets.map((t, i) => [i, t])) });
}

describe("extractor durability", () => {
  it("flushes each staging filesystem once, after everything was written", async () => {
    // Two filesystems: the temp dir's disk and the tmpfs at /dev/shm.
    const onDisk = await tempDir(os.tmpdir());
    const inMemory = await tempDir("/dev/shm");
    const devices = [(await fs.stat(onDisk)).dev, (await fs.stat(inMemory)).dev];
    expect(devices[0]).not.toBe(devices[1]);
    const seenAtFlush: { dev: number; trees: Record<string, string>[] }[] = [];
    flush.mockImplementation(async (p) => {
      seenAtFlush.push({ dev: (await fs.stat(p)).dev, trees: [await hashTree(onDisk), await hashTree(inMemory)] });
      const actual = await vi.importActual<typeof import("~/server/engine/durable-fs")>("~/server/engine/durable-fs");
      return actual.syncFilesystem(p);
    });

    await extract([onDisk, inMemory]);

    expect(seenAtFlush.map((s) => s.dev).sort()).toEqual([...devices].sort());
    const final = [await hashTree(onDisk), await hashTree(inMemory)];
    expect(final[0]).toMatchObject({ "top.txt": expect.any(String), "implied/parent/deep.txt": expect.any(String), "closed/": "dir 500" });
    for (const s of seenAtFlush) expect(s.trees).toEqual(final);
  });

  it("flushes a filesystem shared by several staging dirs only once", async () => {
    const parent = await tempDir(os.tmpdir());
    const a = await fs.mkdtemp(path.join(parent, "a-"));
    const b = await fs.mkdtemp(path.join(parent, "b-"));
    await extract([a, b]);
    expect(flush).toHaveBeenCalledTimes(1);
  });

  it("fails, leaving the staging dirs empty, when the flush fails", async () => {
    const a = await tempDir(os.tmpdir());
    const b = await tempDir(os.tmpdir());
    flush.mockRejectedValueOnce(new Error("sync -f failed: Input/output error"));
    await expect(extract([a, b])).rejects.toThrow(/Input\/output error/);
    expect(await fs.readdir(a)).toEqual([]);
    expect(await fs.readdir(b)).toEqual([]);
  });

  it("runs the real syncfs, and reports a path it cannot flush", async () => {
    const actual = await vi.importActual<typeof import("~/server/engine/durable-fs")>("~/server/engine/durable-fs");
    const d = await tempDir(os.tmpdir());
    await expect(actual.syncFilesystem(d)).resolves.toBeUndefined();
    await expect(actual.syncFilesystem(path.join(d, "missing"))).rejects.toThrow(/^sync -f failed: .*No such file/);
  });
});
