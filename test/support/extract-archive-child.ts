// Extracts one archive into a staging folder, as restore does, in a process of its own so
// that its peak RSS (VmHWM) is the extractor's alone. Prints `{ ok, error?, dirs?, peakRssBytes }`.
import { createReadStream, readFileSync } from "node:fs";
import { extractSnapshotArchive } from "~/server/engine/archive/extractor";

const peakRssBytes = () => Number(/^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"))![1]) * 1024;

const [archive, staging] = process.argv.slice(2);
let result: { ok: boolean; error?: string; dirs?: number };
try {
  const extracted = await extractSnapshotArchive(createReadStream(archive!, { highWaterMark: 256 * 1024 }), {
    targets: new Map([[0, staging!]]),
  });
  result = { ok: true, dirs: extracted.dirs };
} catch (error) {
  result = { ok: false, error: (error as Error).message };
}
console.log(JSON.stringify({ ...result, peakRssBytes: peakRssBytes() }));
