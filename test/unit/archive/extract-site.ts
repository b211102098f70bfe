// A temp site laid out as restore lays out a volume's parent, for extractor tests: two live
// volumes, a staging dir per volume made exactly as restore makes it (mkdtemp beside the live
// dir), a sibling `outside/` marker area which `<staging>/../../outside` reaches, and an empty
// `trap/` dir that link cases aim at with its absolute path. Shared by the extractor tests.
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { hashTree } from "../../support/hash-tree";
import type { MaliciousArchive } from "../../support/malicious-archives";
import { extractSnapshotArchive, type ExtractOptions } from "~/server/engine/archive/extractor";
import { stagingPrefix } from "~/server/engine/restore/restore";

export const exists = (p: string) =>
  fs.lstat(p).then(
    () => true,
    () => false,
  );

/** Every path under `root`, relative, directories with a trailing '/', symlinks with '@'. */
export async function listTree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for (const entry of await fs.readdir(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isSymbolicLink()) out.push(`${r}@`);
      else if (entry.isDirectory()) {
        out.push(`${r}/`);
        await walk(r);
      } else out.push(r);
    }
  };
  await walk("");
  return out.sort();
}

export type Site = Awaited<ReturnType<typeof makeSite>>;

export async function makeSite() {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "berth-xcorpus-"));
  const outside = path.join(root, "outside");
  await fs.mkdir(outside);
  await fs.writeFile(path.join(outside, "marker.txt"), "must stay alone\n");
  const trapDir = path.join(root, "trap");
  await fs.mkdir(trapDir);
  const parent = path.join(root, "volumes");
  const live = [0, 1].map((i) => path.join(parent, `live${i}`));
  for (const [i, l] of live.entries()) {
    await fs.mkdir(l, { recursive: true });
    await fs.writeFile(path.join(l, "data.txt"), `live data ${i}\n`);
  }
  const staging: string[] = [];
  for (let i = 0; i < 2; i++) staging.push(await fs.mkdtemp(path.join(parent, stagingPrefix("corpus"))));
  const before = { outside: await hashTree(outside), live: await Promise.all(live.map((l) => hashTree(l))) };
  const rel = (p: string) => path.relative(root, p);
  const baseline = ["outside/", "outside/marker.txt", "trap/", "volumes/", ...live.flatMap((l) => [`${rel(l)}/`, `${rel(l)}/data.txt`])];
  return { root, outside, trapDir, parent, live, staging, before, baseline, stagingNames: staging.map((s) => `${rel(s)}/`) };
}

export async function extractFile(
  archivePath: string,
  targets: string[],
  limits?: MaliciousArchive["limits"],
  extra: Pick<ExtractOptions, "fileSpecialBits"> = {},
) {
  let written = 0;
  const outcome = await extractSnapshotArchive(createReadStream(archivePath, { highWaterMark: 1024 * 1024 }), {
    targets: new Map(targets.map((t, i) => [i, t])),
    limits,
    onProgress: (p) => (written = Math.max(written, p.bytesDone)),
    ...extra,
  }).then(
    (result) => ({ result, error: null }),
    (error: unknown) => ({ result: null, error }),
  );
  return { ...outcome, written };
}

/** Paths under the site's root that are not inside a staging dir: must be the baseline. */
export async function outsideStaging(site: Site): Promise<string[]> {
  const insideStaging = (p: string) => site.stagingNames.some((s) => p !== s && p.startsWith(s));
  return (await listTree(site.root)).filter((p) => !insideStaging(p));
}
