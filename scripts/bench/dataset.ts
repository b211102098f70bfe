// The benchmark dataset: a reproducible tree of "text-like" (compressible) and random
// (incompressible) files, with many small files, generated from a seed.
//
//   small/<dd>/<ee>/f<n>.txt|.bin   the small files (128 B – 16 KiB, log-uniform), 50 per dir
//   large/<dd>/big<n>.log|.dat      the rest of the bytes (256 KiB – 64 MiB, log-uniform)
//   small/<dd>/<ee>/l<n>            symlinks, 2% of the files' count: relative to another file,
//                                   absolute inside the volume as the container sees it
//                                   (/data/…), absolute outside it, or dangling
//   small/<dd>/<ee>/h<n>            hard links to an earlier file, 1% of the files' count
//
// Owners (as root): every file, directory and symlink gets one of a few service-style
// uid:gid pairs, and files and directories a mix of modes (0600 … 0755, a setgid directory
// now and then), so capture and restore carry what a real volume has.
//
// Compressible files are slices of a seeded text pool (log lines, JSON, prose from a Zipf
// vocabulary): they deflate to roughly a third, like real logs and source. Incompressible files
// are an AES-CTR keystream. Kinds are assigned so incompressible bytes hit the requested share.
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { createRandom, keystream } from "./prng";

export interface DatasetSpec {
  totalBytes: number;
  /** 0..1: share of the bytes that is incompressible. */
  incompressibleShare: number;
  smallFiles: number;
  seed: string;
}

export interface DatasetSummary extends DatasetSpec {
  files: number;
  symlinks: number;
  hardlinks: number;
  /** distinct uid:gid pairs among the files (0: not root, everything stays the generating user's) */
  owners: number;
  directories: number;
  bytes: number;
  incompressibleBytes: number;
  /** sha256 over every file's path, size and content, in generation order: equal runs, equal data. */
  fingerprint: string;
  generateMs: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const TEXT_POOL_BYTES = 16 * MiB;
const SMALL_PER_DIR = 50;
const SUBDIRS = 20;
const WRITE_CONCURRENCY = 16;
const CHUNK = 4 * MiB;

const logUniform = (random: () => number, min: number, max: number) =>
  Math.floor(Math.exp(Math.log(min) + random() * (Math.log(max) - Math.log(min))));

/** A text pool that compresses like logs, JSON and prose (gzip -6: about 0.3–0.4). */
function textPool(seed: string): Buffer {
  const random = createRandom(`${seed}:text`);
  const letters = "eeeeeeeeeeeeettttttttttaaaaaaaaooooooooiiiiiiinnnnnnnsssssshhhhhhrrrrrrddddllllcccuuummwwffggyyppbbvkjxqz";
  const vocabulary = Array.from({ length: 3000 }, () => {
    const length = 2 + Math.floor(random() * random() * 11);
    let word = "";
    for (let i = 0; i < length; i++) word += letters[Math.floor(random() * letters.length)];
    return word;
  });
  // Zipf-like: a few words are very common, most are rare.
  const word = () => vocabulary[Math.floor(vocabulary.length * random() ** 3)]!;
  const digits = (n: number) =>
    Math.floor(random() * 10 ** n)
      .toString()
      .padStart(n, "0");
  const levels = ["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"];
  // Log messages and JSON records come from a few hundred templates, as in real logs.
  const templates = Array.from({ length: 400 }, () => Array.from({ length: 3 + Math.floor(random() * 9) }, word).join(" "));
  const keys = Array.from({ length: 60 }, word);
  const template = () => templates[Math.floor(templates.length * random() ** 2)]!;
  const key = () => keys[Math.floor(keys.length * random() ** 2)]!;
  const parts: string[] = [];
  let length = 0;
  while (length < TEXT_POOL_BYTES) {
    const kind = random();
    let line: string;
    if (kind < 0.5) {
      line = `2024-05-${digits(2)}T12:${digits(2)}:${digits(2)}.${digits(3)}Z ${levels[Math.floor(random() * levels.length)]} [${key()}] ${template()} ${word()} id=${digits(5)}`;
    } else if (kind < 0.75) {
      line = `{"${key()}": "${word()}", "${key()}": ${digits(3)}, "${key()}": ${random() < 0.5}, "msg": "${template()}"}`;
    } else {
      const sentence = Array.from({ length: 6 + Math.floor(random() * 18) }, word).join(" ");
      line = `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}${random() < 0.3 ? "," : "."}`;
    }
    parts.push(line);
    length += line.length + 1;
  }
  return Buffer.from(`${parts.join("\n")}\n`, "latin1");
}

interface FilePlan {
  relativePath: string;
  size: number;
  incompressible: boolean;
}

interface LinkPlan {
  relativePath: string;
  /** symlink: the target text; hardlink: the path of an earlier file */
  target: string;
}

/** uid:gid pairs as service users have them (root, www-data, postgres-style 999, a user, nobody). */
const OWNERS: [number, number][] = [
  [0, 0],
  [33, 33],
  [999, 999],
  [1000, 1000],
  [70, 70],
  [65534, 65534],
];
const FILE_MODES = [0o644, 0o644, 0o644, 0o600, 0o640, 0o755];
const DIR_MODES = [0o755, 0o755, 0o750, 0o700, 0o2775];
const SYMLINK_SHARE = 0.02;
const HARDLINK_SHARE = 0.01;
/** Where the workload sees its volume (scripts/bench/environment.ts mounts it at /data). */
const CONTAINER_TARGET = "/data";

interface Metadata {
  relativePath: string;
  uid: number;
  gid: number;
  /** undefined for symlinks */
  mode?: number;
}

function plan(spec: DatasetSpec): { files: FilePlan[]; directories: string[] } {
  const random = createRandom(`${spec.seed}:layout`);
  const files: FilePlan[] = [];
  const directories = new Set<string>(["small", "large"]);
  let total = 0;
  let incompressible = 0;
  for (let i = 0; i < spec.smallFiles; i++) {
    const dir = Math.floor(i / SMALL_PER_DIR);
    const relativeDir = `small/${String(Math.floor(dir / SUBDIRS)).padStart(2, "0")}/${String(dir % SUBDIRS).padStart(2, "0")}`;
    directories.add(relativeDir.split("/").slice(0, 2).join("/")).add(relativeDir);
    const size = logUniform(random, 128, 16 * KiB);
    const isRandom = random() < spec.incompressibleShare;
    files.push({ relativePath: `${relativeDir}/f${i}.${isRandom ? "bin" : "txt"}`, size, incompressible: isRandom });
    total += size;
    if (isRandom) incompressible += size;
  }
  for (let i = 0; total < spec.totalBytes; i++) {
    // At most 1/16 of the total each, so the share comes out right on small datasets too.
    const maxSize = Math.max(256 * KiB, Math.min(64 * MiB, Math.floor(spec.totalBytes / 16)));
    const size = Math.min(logUniform(random, 256 * KiB, maxSize), spec.totalBytes - total);
    // Greedy: keep the running incompressible share on target.
    const isRandom = incompressible + size / 2 <= spec.incompressibleShare * (total + size);
    const relativeDir = `large/${String(i % 16).padStart(2, "0")}`;
    directories.add(relativeDir);
    files.push({ relativePath: `${relativeDir}/big${i}.${isRandom ? "dat" : "log"}`, size, incompressible: isRandom });
    total += size;
    if (isRandom) incompressible += size;
  }
  return { files, directories: [...directories].sort() };
}

/** Runs `task` over `items` with at most `limit` in flight, results in input order. */
async function mapLimit<T, R>(items: T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Symlinks and hard links among the planned files, and owners and modes for everything, from
 * their own random streams (the files' layout and content stay what they were for a seed).
 */
function planExtras(spec: DatasetSpec, files: FilePlan[], directories: string[], withOwners: boolean) {
  const random = createRandom(`${spec.seed}:links`);
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
  const smallDirs = directories.filter((d) => d.split("/").length === 3);
  const dirs = smallDirs.length ? smallDirs : directories;
  const symlinks: LinkPlan[] = [];
  for (let i = 0; i < Math.round(files.length * SYMLINK_SHARE); i++) {
    const relativePath = `${pick(dirs)}/l${i}`;
    const to = pick(files).relativePath;
    const kind = random();
    const target =
      kind < 0.6
        ? path.posix.relative(path.posix.dirname(relativePath), to)
        : kind < 0.8
          ? `${CONTAINER_TARGET}/${to}`
          : kind < 0.9
            ? "/etc/hostname"
            : `missing/target-${i}`;
    symlinks.push({ relativePath, target });
  }
  const hardlinks: LinkPlan[] = [];
  for (let i = 0; i < Math.round(files.length * HARDLINK_SHARE); i++)
    hardlinks.push({ relativePath: `${pick(dirs)}/h${i}`, target: pick(files).relativePath });
  const owners = createRandom(`${spec.seed}:owners`);
  const meta = (relativePath: string, modes: number[] | null): Metadata => {
    const [uid, gid] = withOwners ? OWNERS[Math.floor(owners() * OWNERS.length)]! : [-1, -1];
    return { relativePath, uid, gid, mode: modes ? modes[Math.floor(owners() * modes.length)] : undefined };
  };
  return {
    symlinks,
    hardlinks,
    fileMeta: files.map((f) => meta(f.relativePath, FILE_MODES)),
    symlinkMeta: symlinks.map((l) => meta(l.relativePath, null)),
    dirMeta: directories.map((d) => meta(d, DIR_MODES)),
  };
}

/** Writes the dataset under `root` (which must be empty or missing) and describes it. */
export async function generateDataset(root: string, spec: DatasetSpec): Promise<DatasetSummary> {
  const started = performance.now();
  const pool = textPool(spec.seed);
  const { files, directories } = plan(spec);
  await fs.mkdir(root, { recursive: true });
  for (const dir of directories) await fs.mkdir(path.join(root, dir), { recursive: true });

  // Content of file i is a pure function of (seed, i), so files can be written in any order
  // while the fingerprint is computed over per-file digests in plan order.
  const digests = await mapLimit(files, WRITE_CONCURRENCY, async (file, index) => {
    const random = createRandom(`${spec.seed}:content:${index}`);
    const bytes = file.incompressible ? keystream(spec.seed, index) : null;
    const hash = createHash("sha256");
    const handle = await fs.open(path.join(root, file.relativePath), "w", 0o644);
    try {
      for (let done = 0; done < file.size; ) {
        const length = Math.min(CHUNK, file.size - done);
        let chunk: Buffer;
        if (bytes) chunk = bytes(length);
        else {
          // Text: slices of the pool from seeded offsets (each ≥ 4 KiB, so deflate sees text, not seams).
          const pieces: Buffer[] = [];
          for (let have = 0; have < length; ) {
            const take = Math.min(length - have, 4 * KiB + Math.floor(random() * 60 * KiB));
            const offset = Math.floor(random() * (pool.length - take));
            pieces.push(pool.subarray(offset, offset + take));
            have += take;
          }
          chunk = Buffer.concat(pieces, length);
        }
        hash.update(chunk);
        await handle.write(chunk);
        done += length;
      }
    } finally {
      await handle.close();
    }
    return hash.digest();
  });
  // Links, then owners and modes: files, symlinks (lchown), directories last so a 0700
  // directory owned by someone else is set after its content. Ownership before mode: chown
  // clears setgid.
  const withOwners = process.getuid?.() === 0;
  const extras = planExtras(spec, files, directories, withOwners);
  for (const h of extras.hardlinks) await fs.link(path.join(root, h.target), path.join(root, h.relativePath));
  for (const l of extras.symlinks) await fs.symlink(l.target, path.join(root, l.relativePath));
  await mapLimit([...extras.fileMeta, ...extras.symlinkMeta], WRITE_CONCURRENCY, async (m) => {
    const full = path.join(root, m.relativePath);
    if (m.uid >= 0) await fs.lchown(full, m.uid, m.gid);
    if (m.mode !== undefined) await fs.chmod(full, m.mode);
  });
  for (const m of [...extras.dirMeta].reverse()) {
    const full = path.join(root, m.relativePath);
    if (m.uid >= 0) await fs.chown(full, m.uid, m.gid);
    await fs.chmod(full, m.mode!);
  }

  const fingerprint = createHash("sha256");
  for (const [i, file] of files.entries()) fingerprint.update(`${file.relativePath}\0${file.size}\0`).update(digests[i]!);
  for (const l of extras.symlinks) fingerprint.update(`l ${l.relativePath}\0${l.target}\0`);
  for (const h of extras.hardlinks) fingerprint.update(`h ${h.relativePath}\0${h.target}\0`);
  for (const m of [...extras.fileMeta, ...extras.symlinkMeta, ...extras.dirMeta])
    fingerprint.update(`o ${m.relativePath}\0${m.uid}:${m.gid}:${m.mode ?? ""}\0`);
  return {
    ...spec,
    files: files.length,
    symlinks: extras.symlinks.length,
    hardlinks: extras.hardlinks.length,
    owners: withOwners ? new Set(extras.fileMeta.map((m) => `${m.uid}:${m.gid}`)).size : 0,
    directories: directories.length,
    bytes: files.reduce((sum, f) => sum + f.size, 0),
    incompressibleBytes: files.reduce((sum, f) => sum + (f.incompressible ? f.size : 0), 0),
    fingerprint: fingerprint.digest("hex"),
    generateMs: Math.round(performance.now() - started),
  };
}
