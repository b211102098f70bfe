// Teardown of a private test engine: its container processes (found by cgroup), daemons, shims,
// mounts, temp dir and cgroups; also of engines an earlier, killed run left behind.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { isAlive, killAll, processesUsing, shimSocketOf, waitGoneSync } from "./host-processes";

/** Every engine's temp dir starts with this, so a later run can find the orphans. */
export const DIR_PREFIX = "berth-d-";

/** Mount points at or below `dir`, deepest first (from /proc/self/mountinfo). */
function mountsUnder(dir: string): string[] {
  let info = "";
  try {
    info = fs.readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return [];
  }
  const decode = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const points = new Set<string>();
  for (const line of info.split("\n")) {
    const mp = line.split(" ")[4];
    if (!mp) continue;
    const p = decode(mp);
    if (p === dir || p.startsWith(`${dir}/`)) points.add(p);
  }
  return [...points].sort((a, b) => b.length - a.length);
}

function unmountAllSync(dir: string): void {
  for (let round = 0; round < 3; round++) {
    const points = mountsUnder(dir);
    if (points.length === 0) return;
    for (const p of points) {
      const r = spawnSync("umount", [p], { stdio: "ignore" });
      if (r.status !== 0) spawnSync("umount", ["-l", p], { stdio: "ignore" });
    }
  }
}

/**
 * The engine runs every container under its own cgroup parent, named like its dir
 * (`--cgroup-parent=berth-d-XXXXXX`), so a forced cleanup can find and kill container
 * processes even when dockerd is gone, and remove the cgroups afterwards.
 */
function cgroupRoots(name: string): string[] {
  const base = "/sys/fs/cgroup";
  const roots: string[] = [];
  const direct = path.join(base, name);
  if (fs.existsSync(direct)) roots.push(direct); // pure cgroup v2
  let controllers: string[] = [];
  try {
    controllers = fs.readdirSync(base);
  } catch {}
  for (const c of controllers) {
    const dir = path.join(base, c, name);
    if (c !== name && fs.existsSync(dir)) roots.push(dir);
  }
  return roots;
}

function cgroupTree(root: string): string[] {
  const out = [root];
  try {
    for (const e of fs.readdirSync(root, { withFileTypes: true })) {
      if (e.isDirectory()) out.push(...cgroupTree(path.join(root, e.name)));
    }
  } catch {}
  return out;
}

function cgroupPids(name: string): number[] {
  const pids = new Set<number>();
  for (const root of cgroupRoots(name)) {
    for (const dir of cgroupTree(root)) {
      try {
        for (const line of fs.readFileSync(path.join(dir, "cgroup.procs"), "utf8").split("\n")) {
          if (line.trim()) pids.add(Number(line));
        }
      } catch {}
    }
  }
  pids.delete(process.pid);
  return [...pids];
}

function removeCgroups(name: string): void {
  for (const root of cgroupRoots(name)) {
    for (const dir of cgroupTree(root).reverse()) {
      try {
        fs.rmdirSync(dir);
      } catch {}
    }
  }
}

/**
 * Synchronous last-resort teardown (also the tail of a normal stop()): kill container
 * processes, TERM then KILL the daemons, kill whatever still names the dir (shims),
 * unmount everything under it, delete it and the engine's cgroups.
 */
export function forceCleanupSync(dir: string, mainPids: number[]): void {
  const cgroup = path.basename(dir);
  const containers = cgroupPids(cgroup);
  killAll(containers, "SIGKILL");
  waitGoneSync(containers, 3_000);
  const alive = mainPids.filter(isAlive);
  killAll(alive, "SIGTERM");
  if (!waitGoneSync(alive, 8_000)) {
    killAll(alive, "SIGKILL");
    waitGoneSync(alive, 3_000);
  }
  const rest = [...processesUsing(dir), ...cgroupPids(cgroup)];
  const shimSockets = rest.map(shimSocketOf).filter((s): s is string => !!s);
  killAll(rest, "SIGKILL");
  waitGoneSync(rest, 3_000);
  for (const socket of shimSockets) fs.rmSync(socket, { force: true });
  unmountAllSync(dir);
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  } catch {}
  removeCgroups(cgroup);
}

/** Removes temp dirs left behind by earlier runs whose owning process is gone. */
export function sweepStaleEngines(base: string): void {
  let names: string[] = [];
  try {
    names = fs.readdirSync(base).filter((n) => n.startsWith(DIR_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = path.join(base, name);
    let owner: number | undefined;
    try {
      owner = Number(fs.readFileSync(path.join(dir, "owner.pid"), "utf8").trim()) || undefined;
    } catch {}
    try {
      if (owner === undefined) {
        // Possibly being created right now by a concurrent run: only sweep old ones.
        if (Date.now() - fs.statSync(dir).mtimeMs < 10 * 60_000) continue;
      } else if (isAlive(owner)) {
        continue;
      }
      const pidOf = (f: string) => {
        try {
          return Number(fs.readFileSync(path.join(dir, f), "utf8").trim()) || 0;
        } catch {
          return 0;
        }
      };
      // Only signal recorded pids that still look like ours (guards against pid reuse).
      const mine = [pidOf("docker.pid"), pidOf("containerd.pid")].filter((pid) => pid > 0 && processesUsing(dir).includes(pid));
      forceCleanupSync(dir, mine);
    } catch {}
  }
}
