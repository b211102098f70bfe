// Host process helpers for the private test engine: finding binaries, watching and signalling
// processes, and the shim sockets containerd 1.6 leaves in /run/containerd/s.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export const SBIN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves true when `p` settles within `ms`, false otherwise; never leaves a timer behind. */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([
      p.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(":"), ...SBIN_PATH.split(":")].filter(Boolean);
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {}
  }
  return undefined;
}

/** Running (zombies count as gone: our own exited children stay zombies until reaped). */
export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

export function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

export function killAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {}
  }
}

/** PIDs of processes whose command line names `dir`: dockerd, containerd, shims. */
export function processesUsing(dir: string): number[] {
  const pids: number[] = [];
  let entries: string[] = [];
  try {
    entries = fs.readdirSync("/proc");
  } catch {
    return pids;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmdline.includes(`${dir}/`) || cmdline.includes(`${dir}\0`)) {
        pids.push(pid);
      }
    } catch {}
  }
  return pids;
}

/**
 * containerd 1.6 shims listen on /run/containerd/s/<sha256(address/namespace/id)> whatever
 * the containerd state dir is; a shim killed with SIGKILL leaves that socket behind.
 */
export function shimSocketOf(pid: number): string | undefined {
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    if (!argv[0]?.includes("containerd-shim")) return undefined;
    const arg = (flag: string) => {
      const i = argv.indexOf(flag);
      return i >= 0 ? argv[i + 1] : undefined;
    };
    const [ns, id, address] = [arg("-namespace"), arg("-id"), arg("-address")];
    if (!ns || !id || !address) return undefined;
    const hash = createHash("sha256")
      .update(path.join(address, ns, id))
      .digest("hex");
    return path.join("/run/containerd/s", hash);
  } catch {
    return undefined;
  }
}

export function waitGoneSync(pids: number[], ms: number): boolean {
  const deadline = Date.now() + ms;
  while (pids.some(isAlive)) {
    if (Date.now() > deadline) return false;
    sleepSync(50);
  }
  return true;
}
