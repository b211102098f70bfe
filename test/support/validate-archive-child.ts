// Validates one archive file, as import does, in a process of its own so that its peak
// RSS (VmHWM) is the reader's alone. Prints `{ ok, error?, peakRssBytes }` as JSON.
import { createReadStream, readFileSync } from "node:fs";
import { readSnapshotArchive } from "~/server/engine/archive/strict-reader";

const peakRssBytes = () => Number(/^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"))![1]) * 1024;

const archive = process.argv[2]!;
let result: { ok: boolean; error?: string };
try {
  await readSnapshotArchive(createReadStream(archive, { highWaterMark: 1024 * 1024 }), {});
  result = { ok: true };
} catch (error) {
  result = { ok: false, error: (error as Error).message };
}
console.log(JSON.stringify({ ...result, peakRssBytes: peakRssBytes() }));
