import { spawnSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dir, END, manifestObject, manifestRecord, pax } from "../../support/archive-builder";

// Issue 11 item 6, on the restore side: the extractor kept every directory's full path (up
// to 4 KiB) until the end, to set modes and times deepest first.
const DIRECTORIES = 100_000;
const MAX_PEAK_RSS = 300 * 1024 * 1024;
const root = path.resolve(import.meta.dirname, "../../..");

// volumes/0/ + 15 shared directories of 255 bytes + a unique directory: 4000 bytes.
const shared = `volumes/0/${Array.from({ length: 15 }, (_, i) => String(i).padEnd(255, "d")).join("/")}/`;
const dirPath = (i: number) => `${shared}${String(i).padEnd(4000 - shared.length - 1, "x")}/`;

function* tarStream(): Generator<Buffer> {
  yield manifestRecord(manifestObject({}, 1));
  for (let i = 0; i < DIRECTORIES; i++) yield Buffer.concat([pax({ path: dirPath(i) }), dir("placeholder", { mode: 0o750 })]);
  yield END;
}

let tmp: string;
let archive: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "berth-extract-memory-"));
  archive = path.join(tmp, "long-dirs.tar.gz");
  await pipeline(Readable.from(tarStream()), createGzip({ level: 6 }), createWriteStream(archive));
}, 300_000);
afterAll(() => fs.rm(tmp, { recursive: true, force: true }), 300_000);

describe("extractor path bookkeeping", () => {
  it(`extracts ${DIRECTORIES} directories with 4 KB paths under ${MAX_PEAK_RSS / 1024 / 1024} MB peak RSS`, async () => {
    const staging = await fs.mkdtemp(path.join(tmp, "staging-"));
    const child = spawnSync(
      process.execPath,
      ["--import", "tsx", path.join(root, "test/support/extract-archive-child.ts"), archive, staging],
      {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, NODE_OPTIONS: "--max-old-space-size=4096" },
      },
    );
    const line = child.stdout.trim().split("\n").at(-1) ?? "";
    expect(line, `child exited ${child.status} ${child.signal ?? ""}: ${child.stderr.slice(-2000)}`).toMatch(/^\{/);
    const outcome = JSON.parse(line) as { ok: boolean; error?: string; dirs?: number; peakRssBytes: number };
    console.log(
      `child peak RSS ${(outcome.peakRssBytes / 1024 / 1024).toFixed(0)} MB; ${outcome.ok ? `${outcome.dirs} directories` : outcome.error}`,
    );
    expect(outcome).toMatchObject({ ok: true, dirs: DIRECTORIES });
    // Modes were applied from the bookkeeping, deepest first.
    const last = path.join(staging, dirPath(DIRECTORIES - 1).slice("volumes/0/".length));
    expect((await fs.stat(last)).mode & 0o777).toBe(0o750);
    expect(outcome.peakRssBytes).toBeLessThan(MAX_PEAK_RSS);
  }, 600_000);
});
