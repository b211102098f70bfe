/**
 * Real application images for tests, built from Debian packages: no registry, no Dockerfile.
 *
 *   appImage("postgres")  PostgreSQL 15 (initdb, postgres, psql, pg_isready in /usr/lib/postgresql/15/bin)
 *   appImage("git")       git + coreutils
 *
 * A root filesystem is made by `mmdebstrap --variant=essential --include=<packages> bookworm`
 * from the machine's configured Debian mirror (the bookworm entries of /etc/apt/sources.list
 * and /etc/apt/sources.list.d/*; mmdebstrap's own default, deb.debian.org, when there are
 * none), cached per machine as
 *
 *   ${XDG_CACHE_HOME:-~/.cache}/berth-test/images/<sha256 of the sorted packages + recipe>.tar
 *
 * (written as .tmp.tar and renamed), and `docker import`ed into the private test engine of
 * the run (the engine is new every run, the tarball is not). Test files that ask for the
 * same image at once, in this process or another, build it once: the build runs under an
 * exclusive flock(1) on `<key>.lock`, which the kernel drops if the holder dies.
 * Changing a recipe changes its key, so a stale tarball is never used (old ones stay until
 * the cache is cleared). Needs root, mmdebstrap and flock (scripts/ensure-system-deps.sh).
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { inject } from "vitest";
import { createDockerClient } from "~/server/docker/client";
import { importImage } from "./test-image";

export type AppImageName = "postgres" | "git";

const SUITE = "bookworm";
/** Bump when something that shapes the tarball changes but is not in a recipe below. */
const RECIPE_VERSION = 1;
const BUILD_LOCK_WAIT_S = 1800;

// Smaller images: no manuals, docs (copyright kept), translations (locale.alias kept), info.
const SLIM_DPKG_OPTS = [
  "path-exclude=/usr/share/man/*",
  "path-exclude=/usr/share/doc/*",
  "path-include=/usr/share/doc/*/copyright",
  "path-exclude=/usr/share/locale/*",
  "path-include=/usr/share/locale/locale.alias",
  "path-exclude=/usr/share/info/*",
  "path-exclude=/usr/share/i18n/*",
];

interface Recipe {
  packages: string[];
  dpkgOpts?: string[];
  /** mmdebstrap --customize-hook commands ("$1" is the new root). */
  customize?: string[];
}

const RECIPES: Record<AppImageName, Recipe> = {
  postgres: {
    packages: ["postgresql-15"],
    // The JIT provider drags in LLVM (+z3, ~130 MB) and ships bitcode (~26 MB). Without
    // llvmjit.so PostgreSQL simply runs without JIT (it checks that the file exists first).
    dpkgOpts: [
      "path-exclude=/usr/lib/postgresql/*/lib/llvmjit*",
      "path-exclude=/usr/lib/postgresql/*/lib/bitcode/*",
      "path-exclude=/usr/lib/*/libLLVM*",
      "path-exclude=/usr/lib/*/libz3*",
    ],
    // The package creates a "main" cluster; the tests initdb their own data directory.
    customize: ['rm -rf "$1/var/lib/postgresql/15" "$1/etc/postgresql/15"'],
  },
  git: { packages: ["git", "coreutils"] },
};

export function appImageKey(name: AppImageName): string {
  const r = RECIPES[name];
  const recipe = {
    version: RECIPE_VERSION,
    suite: SUITE,
    arch: process.arch,
    packages: [...r.packages].sort(),
    dpkgOpts: [...SLIM_DPKG_OPTS, ...(r.dpkgOpts ?? [])],
    customize: r.customize ?? [],
  };
  return createHash("sha256").update(JSON.stringify(recipe)).digest("hex");
}

export function appImageCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "berth-test", "images");
}

// ---------------------------------------------------------------------------------------
// the machine's Debian mirror

interface SourceEntry {
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
  signedBy?: string;
  enabled: boolean;
}

function parseOneLine(text: string): SourceEntry[] {
  const out: SourceEntry[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    const m = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const signedBy = /(?:^|\s)signed-by=(\S+)/.exec(m[2] ?? "")?.[1];
    out.push({
      types: [m[1]!],
      uris: [m[3]!],
      suites: [m[4]!],
      components: (m[5] ?? "").split(/\s+/).filter(Boolean),
      signedBy,
      enabled: true,
    });
  }
  return out;
}

function parseDeb822(text: string): SourceEntry[] {
  const out: SourceEntry[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields: Record<string, string> = {};
    let key = "";
    for (const line of stanza.split("\n")) {
      if (line.startsWith("#")) continue;
      if (/^\s/.test(line) && key)
        fields[key] += `\n${line.trim()}`; // continuation (inline keys)
      else {
        const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
        if (m) fields[(key = m[1]!.toLowerCase())] = m[2]!.trim();
      }
    }
    const list = (k: string) => (fields[k] ?? "").split(/\s+/).filter(Boolean);
    if (!fields.types) continue;
    const signedBy = fields["signed-by"]?.includes("\n") ? undefined : fields["signed-by"];
    out.push({
      types: list("types"),
      uris: list("uris"),
      suites: list("suites"),
      components: list("components"),
      signedBy,
      enabled: fields.enabled?.toLowerCase() !== "no",
    });
  }
  return out;
}

/** One-line `deb` sources for bookworm (+updates, +security) from the host's apt configuration. */
export function hostDebianMirrors(): string[] {
  const files = ["/etc/apt/sources.list"];
  try {
    for (const n of fs.readdirSync("/etc/apt/sources.list.d").sort()) {
      if (n.endsWith(".list") || n.endsWith(".sources")) files.push(path.join("/etc/apt/sources.list.d", n));
    }
  } catch {}
  const wanted = new Set([SUITE, `${SUITE}-updates`, `${SUITE}-security`]);
  const lines: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const e of file.endsWith(".sources") ? parseDeb822(text) : parseOneLine(text)) {
      if (!e.enabled || !e.types.includes("deb")) continue;
      for (const uri of e.uris) {
        for (const suite of e.suites.filter((s) => wanted.has(s))) {
          const opts = e.signedBy ? `[signed-by=${e.signedBy}] ` : "";
          const line = `deb ${opts}${uri} ${suite} ${e.components.join(" ") || "main"}`;
          if (!lines.includes(line)) lines.push(line);
        }
      }
    }
  }
  return lines;
}

// ---------------------------------------------------------------------------------------
// build under a lock

/**
 * Runs `fn` holding an exclusive flock on `lockFile`: a `flock` child takes the lock and
 * keeps it while its stdin is open, so the lock goes away with this process, whatever ends it.
 */
async function withFileLock<T>(lockFile: string, fn: () => Promise<T>): Promise<T> {
  const holder = spawn(
    "flock",
    ["--exclusive", "--wait", String(BUILD_LOCK_WAIT_S), lockFile, "sh", "-c", "echo locked; exec cat >/dev/null"],
    {
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  let stderr = "";
  holder.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    holder.once("error", reject);
    holder.once("exit", (code) => reject(new Error(`flock on ${lockFile} failed (exit ${code}): ${stderr.trim()}`)));
    holder.stdout.once("data", () => resolve());
  });
  holder.removeAllListeners("exit");
  try {
    return await fn();
  } finally {
    const gone = new Promise((r) => holder.once("exit", r));
    holder.stdin.end();
    await gone;
  }
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, LC_ALL: "C.UTF-8" } });
    let tail = "";
    child.stderr.on("data", (d: Buffer) => (tail = (tail + d.toString()).slice(-8000)));
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} failed (${signal ?? `exit ${code}`}):\n${tail.trimEnd()}`)),
    );
  });
}

async function buildRootfsTar(name: AppImageName, tarFile: string): Promise<void> {
  const r = RECIPES[name];
  const tmp = tarFile.replace(/\.tar$/, ".tmp.tar");
  await fsp.rm(tmp, { force: true }); // a build killed earlier
  const args = [
    "--variant=essential",
    "--format=tar",
    `--include=${[...r.packages].sort().join(",")}`,
    ...[...SLIM_DPKG_OPTS, ...(r.dpkgOpts ?? [])].map((o) => `--dpkgopt=${o}`),
    ...(r.customize ?? []).map((h) => `--customize-hook=${h}`),
    SUITE,
    tmp,
    ...hostDebianMirrors(),
  ];
  try {
    await run("mmdebstrap", args);
    const fd = await fsp.open(tmp, "r");
    await fd.sync();
    await fd.close();
    await fsp.rename(tmp, tarFile);
  } catch (error) {
    await fsp.rm(tmp, { force: true });
    throw error;
  }
}

/** The cached rootfs tarball of `name`, built first if this machine has none. */
export async function appImageTarball(name: AppImageName): Promise<{ file: string; built: boolean }> {
  const dir = appImageCacheDir();
  await fsp.mkdir(dir, { recursive: true });
  const key = appImageKey(name);
  const file = path.join(dir, `${key}.tar`);
  if (fs.existsSync(file)) return { file, built: false };
  return withFileLock(path.join(dir, `${key}.lock`), async () => {
    if (fs.existsSync(file)) return { file, built: false }; // built by whoever held the lock
    await buildRootfsTar(name, file);
    return { file, built: true };
  });
}

// ---------------------------------------------------------------------------------------

const pending = new Map<string, Promise<string>>();

/**
 * The name of image `name` on the private test engine (or the engine at `dockerHost`),
 * built and imported on first use. Allow minutes on a cold cache.
 */
export function appImage(name: AppImageName, dockerHost: string = inject("dockerHost")): Promise<string> {
  const image = `berth-test/app-${name}:${appImageKey(name).slice(0, 16)}`;
  const id = `${dockerHost} ${image}`;
  let p = pending.get(id);
  if (!p) {
    p = ensureImported(createDockerClient(dockerHost), name, image);
    pending.set(id, p);
    p.catch(() => pending.delete(id));
  }
  return p;
}

async function ensureImported(docker: Docker, name: AppImageName, image: string): Promise<string> {
  if (
    await docker
      .getImage(image)
      .inspect()
      .then(
        () => true,
        () => false,
      )
  )
    return image;
  const started = Date.now();
  const { file, built } = await appImageTarball(name);
  const ready = Date.now();
  await importImage(docker, file, image);
  if (process.env.BERTH_TEST_VERBOSE) {
    const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;
    const size = (await docker.getImage(image).inspect()).Size;
    console.error(
      `[berth-test] ${image}: rootfs ${built ? "built" : "cached"} in ${ready - started} ms (${mb((await fsp.stat(file)).size)} tar), imported in ${Date.now() - ready} ms (${mb(size)})`,
    );
  }
  return image;
}
