// A volume tree that exercises every piece of metadata a faithful snapshot must keep
// (owners, special mode bits, links, holes, old and sub-second mtimes), and a deterministic
// description of a tree to compare two of them aspect by aspect. Runs as root (chown).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";

const MiB = 1024 * 1024;
const KiB = 1024;

/** 2001-02-03T04:05:06Z, whole seconds and with sub-second parts (touch takes ns exactly). */
export const OLD = { whole: "981173106", nanos: "981173106.123456789", half: "981173106.5" } as const;

export const SPARSE = {
  /** 64 MiB with one written 4 KiB block at 32 MiB. */
  big: { path: "sparse/big.img", size: 64 * MiB, blocks: [[32 * MiB, 4 * KiB]] as [number, number][] },
  /** Data at 0 and at 1 MiB, then a hole up to the end (3 MiB). */
  tail: {
    path: "sparse/tail-hole.bin",
    size: 3 * MiB,
    blocks: [
      [0, 8 * KiB],
      [MiB, 4 * KiB],
    ] as [number, number][],
  },
} as const;

/** Paths (relative to the fixture root) that special cases refer to. */
export const FIXTURE = {
  fifo: "run/queue.fifo",
  setuidFile: "bin/setuid-tool",
  setgidFile: "bin/setgid-tool",
  sparse: [SPARSE.big.path, SPARSE.tail.path],
} as const;

/** Deterministic, non-zero bytes (a zero block could be mistaken for a hole). */
export function patternBytes(length: number, seed: string): Buffer {
  const out = Buffer.alloc(length);
  let block = createHash("sha256").update(seed).digest();
  for (let i = 0; i < length; i += block.length) {
    block.copy(out, i);
    block = createHash("sha256").update(block).digest();
  }
  for (let i = 0; i < length; i++) if (out[i] === 0) out[i] = 1;
  return out;
}

// ns-exact timestamps, both mtime and atime; -h: the link itself (utimensat AT_SYMLINK_NOFOLLOW,
// what lutimes does), never its target.
const touch = (file: string, at: string) => execFileSync("touch", ["-h", "-d", `@${at}`, file]);

interface Owned {
  uid: number;
  gid: number;
  mode: number;
  mtime?: string;
}

/**
 * Builds the fixture in `root` (an existing, empty directory; its own owner, mode and mtime
 * are set too, as a volume root owned by a service user). Must run as root.
 */
export async function buildMetadataFixture(root: string): Promise<void> {
  const p = (rel: string) => path.join(root, rel);
  const dirs: Record<string, Owned> = {
    // A database's data directory: a service user, nobody else may enter.
    pgdata: { uid: 999, gid: 999, mode: 0o700, mtime: OLD.whole },
    "pgdata/base": { uid: 999, gid: 999, mode: 0o700 },
    "pgdata/base/1": { uid: 999, gid: 999, mode: 0o700, mtime: OLD.nanos },
    // A web server's shared upload folder: setgid + sticky.
    shared: { uid: 33, gid: 33, mode: 0o3775, mtime: OLD.half },
    "shared/sub": { uid: 33, gid: 33, mode: 0o2775 },
    links: { uid: 0, gid: 0, mode: 0o755 },
    hard: { uid: 999, gid: 999, mode: 0o750 },
    "hard/deeper": { uid: 999, gid: 999, mode: 0o750 },
    empty: { uid: 0, gid: 0, mode: 0o755, mtime: OLD.whole },
    "empty/also-empty": { uid: 1000, gid: 1000, mode: 0o711, mtime: OLD.nanos },
    données: { uid: 1000, gid: 1000, mode: 0o755 },
    "名前 with spaces": { uid: 1000, gid: 1000, mode: 0o755 },
    sparse: { uid: 999, gid: 999, mode: 0o755 },
    bin: { uid: 0, gid: 0, mode: 0o755, mtime: OLD.whole },
    private: { uid: 999, gid: 999, mode: 0o755 },
    // Read-only directories that still hold files (and a read-only directory inside).
    "readonly-dir": { uid: 0, gid: 0, mode: 0o500, mtime: OLD.nanos },
    "readonly-dir/sub": { uid: 999, gid: 999, mode: 0o500 },
    run: { uid: 0, gid: 0, mode: 0o755 },
  };
  const files: Record<string, Owned & { data: string | Buffer }> = {
    "pgdata/postgresql.conf": { uid: 999, gid: 999, mode: 0o600, mtime: OLD.nanos, data: "listen_addresses = '*'\n" },
    "pgdata/PG_VERSION": { uid: 999, gid: 999, mode: 0o600, mtime: OLD.whole, data: "15\n" },
    "pgdata/base/1/1259": { uid: 999, gid: 999, mode: 0o600, data: patternBytes(300 * KiB, "relation") },
    "shared/upload.txt": { uid: 33, gid: 33, mode: 0o664, mtime: OLD.half, data: "uploaded\n" },
    "shared/sub/nested.txt": { uid: 33, gid: 33, mode: 0o664, data: "nested\n" },
    "hard/original.txt": { uid: 999, gid: 999, mode: 0o640, mtime: OLD.nanos, data: "one inode, two names\n" },
    "hard/triple-1": { uid: 1000, gid: 1001, mode: 0o644, data: patternBytes(5000, "triple") },
    "données/naïve café.txt": { uid: 1000, gid: 1000, mode: 0o644, data: "accents\n" },
    "名前 with spaces/файл с пробелами.txt": { uid: 1000, gid: 1000, mode: 0o644, mtime: OLD.whole, data: "unicode and spaces\n" },
    "bin/setuid-tool": { uid: 0, gid: 0, mode: 0o4755, data: "#!/bin/sh\necho setuid\n" },
    "bin/setgid-tool": { uid: 0, gid: 50, mode: 0o2755, mtime: OLD.nanos, data: "#!/bin/sh\necho setgid\n" },
    "private/zero-perms": { uid: 999, gid: 999, mode: 0o000, data: "nobody may read this\n" },
    "readonly-dir/a.txt": { uid: 0, gid: 0, mode: 0o444, data: "in a 0500 dir\n" },
    "readonly-dir/sub/b.txt": { uid: 999, gid: 999, mode: 0o400, mtime: OLD.whole, data: "in a 0500 dir in a 0500 dir\n" },
    "empty-file": { uid: 1000, gid: 1000, mode: 0o644, mtime: OLD.nanos, data: "" },
  };
  // name → earlier regular file of the same volume
  const hardlinks: Record<string, string> = {
    "hard/same.txt": "hard/original.txt",
    "hard/deeper/triple-2": "hard/triple-1",
    "triple-3": "hard/triple-1",
  };
  const symlinks: Record<string, { target: string; uid: number; gid: number; mtime?: string }> = {
    "links/relative": { target: "../pgdata/postgresql.conf", uid: 999, gid: 999, mtime: OLD.nanos },
    "links/absolute": { target: "/etc/hostname", uid: 0, gid: 0, mtime: OLD.whole },
    "links/dangling": { target: "missing/target", uid: 1000, gid: 1000 },
    "links/to-dir": { target: "../shared", uid: 33, gid: 33, mtime: OLD.half },
    "links/unicode target": { target: "../données/naïve café.txt", uid: 0, gid: 0 },
  };

  for (const rel of Object.keys(dirs)) await fs.mkdir(p(rel), { recursive: true });
  for (const [rel, f] of Object.entries(files)) await fs.writeFile(p(rel), f.data);
  for (const [name, target] of Object.entries(hardlinks)) await fs.link(p(target), p(name));
  for (const [name, l] of Object.entries(symlinks)) {
    await fs.symlink(l.target, p(name));
    await fs.lchown(p(name), l.uid, l.gid);
  }
  for (const s of Object.values(SPARSE)) {
    const handle = await fs.open(p(s.path), "w");
    try {
      await handle.truncate(s.size);
      for (const [offset, length] of s.blocks) await handle.write(patternBytes(length, `${s.path}@${offset}`), 0, length, offset);
    } finally {
      await handle.close();
    }
    await fs.chown(p(s.path), 999, 999);
    await fs.chmod(p(s.path), 0o640);
  }
  execFileSync("mkfifo", ["-m", "0600", p(FIXTURE.fifo)]);

  // Owners before modes: chown clears setuid/setgid.
  for (const [rel, o] of [...Object.entries(files), ...Object.entries(dirs)]) {
    await fs.chown(p(rel), o.uid, o.gid);
    await fs.chmod(p(rel), o.mode);
  }
  for (const [rel, f] of Object.entries(files)) if (f.mtime) touch(p(rel), f.mtime);
  for (const [rel, l] of Object.entries(symlinks)) if (l.mtime) touch(p(rel), l.mtime);
  // Directory mtimes last, deepest first: creating anything inside would move them.
  const dirOrder = Object.keys(dirs).sort((a, b) => b.split("/").length - a.split("/").length);
  for (const rel of dirOrder) if (dirs[rel]!.mtime) touch(p(rel), dirs[rel]!.mtime!);
  await fs.chown(root, 999, 999);
  await fs.chmod(root, 0o750);
  touch(root, OLD.nanos);
}

/**
 * Changes every aspect of a fixture tree (content, owners, modes, links, holes, mtimes,
 * entries added and removed), so a restore that leaves any of it as it was is seen. Each
 * step tolerates what an earlier, failed restore may have left (missing or extra entries).
 */
export async function mutateMetadataFixture(root: string): Promise<void> {
  const p = (rel: string) => path.join(root, rel);
  const steps: (() => Promise<unknown> | unknown)[] = [
    () => fs.appendFile(p("hard/original.txt"), "changed\n"),
    () => fs.rm(p("hard/same.txt"), { force: true }),
    () => fs.rm(p("triple-3"), { force: true }),
    () => fs.writeFile(p("triple-3"), "no longer a link\n"),
    () => fs.chown(p("pgdata"), 0, 0),
    () => fs.chmod(p("pgdata"), 0o755),
    () => fs.chown(p("pgdata/postgresql.conf"), 0, 0),
    () => fs.chmod(p("shared"), 0o755),
    () => fs.chmod(p(FIXTURE.setuidFile), 0o755),
    () => fs.rm(p("links/relative"), { force: true }),
    () => fs.rm(p("links/absolute"), { force: true }),
    () => fs.writeFile(p("links/absolute"), "a file where a link was\n"),
    () => fs.symlink("elsewhere", p("links/new-link")),
    async () => {
      const handle = await fs.open(p(SPARSE.big.path), "r+");
      await handle.write(patternBytes(MiB, "fill"), 0, MiB, 0); // fills part of a hole
      await handle.close();
    },
    () => fs.chmod(p("readonly-dir"), 0o700),
    () => fs.rm(p("readonly-dir/a.txt"), { force: true }),
    () => fs.rm(p("empty"), { recursive: true, force: true }),
    () => fs.writeFile(p("added.txt"), "not in the snapshot\n"),
    () => fs.chown(root, 0, 0),
    () => fs.chmod(root, 0o755),
    () => touch(p("bin"), String(Math.floor(Date.now() / 1000))),
  ];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      if (
        !["ENOENT", "EEXIST", "ENOTDIR"].includes((error as NodeJS.ErrnoException).code ?? "") &&
        (error as { status?: number }).status === undefined
      )
        throw error;
    }
  }
}

export type EntryType = "file" | "dir" | "symlink" | "fifo" | "socket" | "char-device" | "block-device" | "other";

export interface EntryRecord {
  type: EntryType;
  uid: number;
  gid: number;
  /** mode & 0o7777 */
  mode: number;
  /** regular files only */
  size?: number;
  sha256?: string;
  blocks?: number;
  /** symlinks only: readlink, verbatim */
  target?: string;
  /** lstat mtime in ns, as a decimal string */
  mtimeNs: string;
}

export interface TreeDescription {
  /** relative path ("." is the root itself) → its record, sorted by path */
  entries: Record<string, EntryRecord>;
  /** entries sharing dev+ino, as sorted lists of relative paths, sorted */
  hardlinkGroups: string[][];
}

function typeOf(st: {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): EntryType {
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "dir";
  if (st.isSymbolicLink()) return "symlink";
  if (st.isFIFO()) return "fifo";
  if (st.isSocket()) return "socket";
  if (st.isCharacterDevice()) return "char-device";
  if (st.isBlockDevice()) return "block-device";
  return "other";
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: MiB })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Every entry under `root` (and the root itself, as "."), described by lstat: nothing is followed. */
export async function describeTree(root: string): Promise<TreeDescription> {
  const entries: Record<string, EntryRecord> = {};
  const inodes = new Map<string, string[]>();
  async function visit(rel: string): Promise<void> {
    const full = rel === "." ? root : path.join(root, rel);
    const st = await fs.lstat(full, { bigint: true });
    const type = typeOf(st);
    const record: EntryRecord = {
      type,
      uid: Number(st.uid),
      gid: Number(st.gid),
      mode: Number(st.mode) & 0o7777,
      mtimeNs: st.mtimeNs.toString(),
    };
    if (type === "file") {
      Object.assign(record, { size: Number(st.size), sha256: await sha256File(full), blocks: Number(st.blocks) });
      const key = `${st.dev}:${st.ino}`;
      inodes.set(key, [...(inodes.get(key) ?? []), rel]);
    }
    if (type === "symlink") record.target = await fs.readlink(full);
    entries[rel] = record;
    if (type === "dir") {
      for (const name of (await fs.readdir(full)).sort()) await visit(rel === "." ? name : `${rel}/${name}`);
    }
  }
  await visit(".");
  const hardlinkGroups = [...inodes.values()]
    .filter((names) => names.length > 1)
    .map((names) => names.sort())
    .sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
  const sorted = Object.fromEntries(Object.entries(entries).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { entries: sorted, hardlinkGroups };
}
