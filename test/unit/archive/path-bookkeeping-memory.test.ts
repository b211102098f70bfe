import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { END, file, manifestObject, manifestRecord, pax } from "../../support/archive-builder";

// Issue 11 item 6: a small upload (~20 MB) of 400,000 empty files with 4 KiB paths. Keeping each
// path as a string cost ~12 KB an entry (several GB in all); bookkeeping must stay bounded.
const ENTRIES = 400_000;
const MAX_PEAK_RSS = 300 * 1024 * 1024;
const root = path.resolve(import.meta.dirname, "../../..");

// volumes/0/ + 15 shared directories of 255 bytes + a unique name: 4096 bytes in all.
const shared = `volumes/0/${Array.from({ length: 15 }, (_, i) => String(i).padEnd(255, "d")).join("/")}/`;
const entryPath = (i: number) => {
  // Hashed so deflate cannot squeeze the names to nothing (the ratio guard would refuse first).
  const unique = `${i}-${createHash("sha256").update(String(i)).digest("hex").slice(0, 8)}`;
  return shared + unique.padEnd(4096 - shared.length, "f");
};

function* tarStream(): Generator<Buffer> {
  const m = manifestObject({}, 1);
  m.volumes[0]!.files = ENTRIES;
  yield manifestRecord(m);
  for (let i = 0; i < ENTRIES; i++) yield Buffer.concat([pax({ path: entryPath(i) }), file("placeholder")]);
  yield END;
}

let tmp: string;
let archive: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "berth-path-memory-"));
  archive = path.join(tmp, "long-paths.tar.gz");
  await pipeline(Readable.from(tarStream()), createGzip({ level: 6 }), createWriteStream(archive));
}, 300_000);
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

describe("strict reader path bookkeeping", () => {
  it(`validates ${ENTRIES} entries with 4 KiB paths under ${MAX_PEAK_RSS / 1024 / 1024} MB peak RSS, or refuses them at a limit`, async () => {
    expect(entryPath(0).length).toBe(4096);
    const { size } = await fs.stat(archive);
    expect(size).toBeLessThan(32 * 1024 * 1024);
    const child = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "test/support/validate-archive-child.ts"), archive], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: "--max-old-space-size=4096" },
    });
    const line = child.stdout.trim().split("\n").at(-1) ?? "";
    expect(line, `child exited ${child.status} ${child.signal ?? ""}: ${child.stderr.slice(-2000)}`).toMatch(/^\{/);
    const outcome = JSON.parse(line) as { ok: boolean; error?: string; peakRssBytes: number };
    console.log(
      `archive ${size} bytes; child peak RSS ${(outcome.peakRssBytes / 1024 / 1024).toFixed(0)} MB; ${outcome.ok ? "accepted" : outcome.error}`,
    );
    if (!outcome.ok) expect(outcome.error).toMatch(/\(limit \d+\)/);
    expect(outcome.peakRssBytes).toBeLessThan(MAX_PEAK_RSS);
  }, 600_000);
});
