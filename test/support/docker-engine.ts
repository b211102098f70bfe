/**
 * A real, private Docker engine for tests.
 *
 * startTestDockerEngine() always starts its own dockerd (it never talks to the user's
 * engine) in a fresh temp dir, waits until it answers, and imports a tiny image built from
 * the host's static busybox, so no registry or network is needed:
 *
 *   <tmp>/docker.sock   the API socket (DOCKER_HOST=unix://<tmp>/docker.sock)
 *   <tmp>/root          --data-root      <tmp>/exec   --exec-root
 *   <tmp>/dockerd.log   daemon output (its tail is included in startup errors)
 *
 * Network isolation: dockerd runs in a network namespace of its own (`unshare --net`), and
 * so do its containerd, the shims and runc (children of dockerd, or, when a system
 * containerd runs, our private containerd, which dockerd then joins with `nsenter`). A
 * dockerd in the host's namespace would change the host: with --bridge=none it deletes the
 * host's docker0, breaking the system Docker. Inside, the daemon still runs with
 * --bridge=none and without iptables, so containers MUST use NetworkMode "none"
 * (TEST_NETWORK_MODE; the adapter's default DEFAULT_NETWORK_MODE). The API socket is a
 * unix socket in the temp dir, reachable from any namespace. test/support/host-network.ts
 * checks that the host's interfaces, routes and firewall rules stay the same.
 *
 * Requirements: Linux, root, `dockerd` (Debian package docker.io), `unshare` and `nsenter`
 * (util-linux) and a statically linked /bin/busybox (busybox-static); host-network.ts needs
 * `ip` (iproute2). scripts/ensure-system-deps.sh installs them.
 *
 * Cleanup: stop() removes every container, stops dockerd (SIGTERM, then SIGKILL), unmounts
 * whatever is left under the temp dir and deletes it. If the process exits without
 * calling stop() (Ctrl+C under Vitest ends in process.exit), an 'exit' hook does the same
 * synchronously. If the process is killed outright, dockerd still gets SIGTERM (it runs
 * under `setpriv --pdeathsig`) and the next startTestDockerEngine() sweeps the orphaned
 * temp dir. Host side effects left: the empty directories /run/containerd/s (containerd
 * 1.6 puts shim sockets there whatever its state dir) and /run/docker/plugins. A private
 * mount namespace would hide them, but then mounts the tests make after the engine started
 * (tmpfs stage dirs) would not reach containers on hosts whose mounts do not propagate.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { checkDockerEngine, createDockerClient } from "../../src/server/docker/client";

export const TEST_IMAGE = "berth-test/busybox:latest";
/** The only network mode that works on the test engine (it has no bridge). */
export const TEST_NETWORK_MODE = "none";

export interface TestDockerEngine {
  /** Absolute path of the daemon's unix socket. */
  socketPath: string;
  /** `unix://${socketPath}`, for DOCKER_HOST / createDockerClient(). */
  dockerHost: string;
  /** "berth-test/busybox:latest": busybox applets in /bin, CMD ["sh"], /tmp, /root, /etc/passwd. */
  image: string;
  /** The engine's temp dir (data-root, exec-root, socket, log). Deleted by stop(). */
  dir: string;
  logFile: string;
  /** Milliseconds spent until the daemon answered, and importing the image. */
  timings: { engineReadyMs: number; imageImportMs: number };
  /** Idempotent. */
  stop(): Promise<void>;
}

const DIR_PREFIX = "berth-d-";
const READY_TIMEOUT_MS = 60_000;
const SYSTEM_CONTAINERD_SOCKET = "/run/containerd/containerd.sock";
const SBIN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const BUSYBOX = process.env.BERTH_TEST_BUSYBOX || "/bin/busybox";

// ---------------------------------------------------------------------------------------
// small helpers

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves true when `p` settles within `ms`, false otherwise; never leaves a timer behind. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([p.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function findExecutable(name: string): string | undefined {
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
function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** True unless the ELF file has a PT_INTERP program header (i.e. needs a dynamic loader). */
function isStaticElf(file: string): boolean {
  const buf = fs.readFileSync(file);
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) return false;
  const is64 = buf[4] === 2;
  const le = buf[5] === 1;
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const phoff = is64 ? Number(le ? buf.readBigUInt64LE(32) : buf.readBigUInt64BE(32)) : u32(28);
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);
  for (let i = 0; i < phnum; i++) {
    const off = phoff + i * phentsize;
    if (off + 4 > buf.length) break;
    if (u32(off) === 3 /* PT_INTERP */) return false;
  }
  return true;
}

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
    if (p === dir || p.startsWith(dir + "/")) points.add(p);
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

function killAll(pids: number[], signal: NodeJS.Signals): void {
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
      if (cmdline.includes(dir + "/") || cmdline.includes(dir + "\0")) {
        pids.push(pid);
        continue;
      }
    } catch {}
  }
  return pids;
}

/**
 * containerd 1.6 shims listen on /run/containerd/s/<sha256(address/namespace/id)> whatever
 * the containerd state dir is; a shim killed with SIGKILL leaves that socket behind.
 */
function shimSocketOf(pid: number): string | undefined {
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    if (!argv[0]?.includes("containerd-shim")) return undefined;
    const arg = (flag: string) => {
      const i = argv.indexOf(flag);
      return i >= 0 ? argv[i + 1] : undefined;
    };
    const [ns, id, address] = [arg("-namespace"), arg("-id"), arg("-address")];
    if (!ns || !id || !address) return undefined;
    const hash = createHash("sha256").update(path.join(address, ns, id)).digest("hex");
    return path.join("/run/containerd/s", hash);
  } catch {
    return undefined;
  }
}

function waitGoneSync(pids: number[], ms: number): boolean {
  const deadline = Date.now() + ms;
  while (pids.some(isAlive)) {
    if (Date.now() > deadline) return false;
    sleepSync(50);
  }
  return true;
}

/**
 * Synchronous last-resort teardown (also the tail of a normal stop()): kill container
 * processes, TERM then KILL the daemons, kill whatever still names the dir (shims),
 * unmount everything under it, delete it and the engine's cgroups.
 */
function forceCleanupSync(dir: string, mainPids: number[]): void {
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
function sweepStaleEngines(base: string): void {
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
      const mine = [pidOf("docker.pid"), pidOf("containerd.pid")].filter(
        (pid) => pid > 0 && processesUsing(dir).includes(pid),
      );
      forceCleanupSync(dir, mine);
    } catch {}
  }
}

// ---------------------------------------------------------------------------------------
// process management

interface Daemon {
  child: ChildProcess;
  pid: number;
  exited: Promise<void>;
}

/**
 * Where a daemon's network namespace comes from: a fresh one (`unshare --net`), or the one
 * of an already running daemon (`nsenter --net=/proc/<pid>/ns/net`). Both exec the daemon
 * in place (no fork for a network namespace), so its pid is the one we spawned.
 */
type NetNs = { fresh: true } | { joinPid: number };

function netnsCommand(netns: NetNs): { file: string; args: string[] } {
  const need = (name: string) => {
    const file = findExecutable(name);
    if (!file) throw new Error(`\`${name}\` not found. Run \`bash scripts/ensure-system-deps.sh\` as root (installs util-linux).`);
    return file;
  };
  return "fresh" in netns
    ? { file: need("unshare"), args: ["--net", "--"] }
    : { file: need("nsenter"), args: [`--net=/proc/${netns.joinPid}/ns/net`, "--"] };
}

function startDaemon(cmd: string, args: string[], logFile: string, netns: NetNs): Daemon {
  const ns = netnsCommand(netns);
  const logFd = fs.openSync(logFile, "a");
  // setpriv --pdeathsig: the daemon gets SIGTERM if this process dies without cleaning up
  // (the setting survives the exec of unshare/nsenter and of the daemon).
  const setpriv = findExecutable("setpriv");
  const file = setpriv ?? ns.file;
  const argv = [...(setpriv ? ["--pdeathsig", "SIGTERM", "--", ns.file] : []), ...ns.args, cmd, ...args];
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${process.env.PATH ?? ""}:${SBIN_PATH}` };
  delete env.NOTIFY_SOCKET; // never talk to systemd on the host's behalf
  delete env.DOCKER_HOST;
  const child = spawn(file, argv, {
    stdio: ["ignore", logFd, logFd],
    env,
    // Own process group: a Ctrl+C in the terminal must not hit the daemon before the
    // test runner's teardown had a chance to stop it in order.
    detached: true,
  });
  fs.closeSync(logFd);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once("exit", () => resolve());
    child.once("error", () => resolve());
  });
  child.unref();
  if (!child.pid) throw new Error(`could not spawn ${file}`);
  return { child, pid: child.pid, exited };
}

function hasExited(d: Daemon): boolean {
  return d.child.exitCode !== null || d.child.signalCode !== null;
}

async function stopDaemon(d: Daemon, graceMs: number): Promise<void> {
  if (hasExited(d)) return;
  try {
    process.kill(d.pid, "SIGTERM");
  } catch {}
  if (await settlesWithin(d.exited, graceMs)) return;
  try {
    process.kill(d.pid, "SIGKILL");
  } catch {}
  await settlesWithin(d.exited, 5_000);
}

/**
 * Our own containerd, used only when a system containerd is running: dockerd would
 * otherwise attach to /run/containerd/containerd.sock (and its "moby" namespace, shared
 * with the system dockerd). The layout mirrors what dockerd's managed containerd uses.
 */
async function startPrivateContainerd(dir: string): Promise<{ daemon: Daemon; address: string }> {
  const containerd = findExecutable("containerd");
  if (!containerd) throw new Error("a system containerd is running but no `containerd` binary was found");
  const state = path.join(dir, "exec", "containerd");
  const root = path.join(dir, "root", "containerd");
  await fsp.mkdir(state, { recursive: true, mode: 0o711 });
  await fsp.mkdir(root, { recursive: true, mode: 0o711 });
  const address = path.join(state, "containerd.sock");
  const config = [
    "version = 2",
    `root = ${JSON.stringify(path.join(root, "daemon"))}`,
    `state = ${JSON.stringify(path.join(state, "daemon"))}`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    "[grpc]",
    `  address = ${JSON.stringify(address)}`,
    "[ttrpc]",
    `  address = ${JSON.stringify(address + ".ttrpc")}`,
    "[debug]",
    `  address = ${JSON.stringify(path.join(state, "containerd-debug.sock"))}`,
    "[metrics]",
    '  address = ""',
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${JSON.stringify(path.join(root, "opt"))}`,
    "",
  ].join("\n");
  const configFile = path.join(dir, "containerd.toml");
  await fsp.writeFile(configFile, config);
  const logFile = path.join(dir, "containerd.log");
  const daemon = startDaemon(containerd, ["--config", configFile], logFile, { fresh: true });
  await fsp.writeFile(path.join(dir, "containerd.pid"), String(daemon.pid));
  const deadline = Date.now() + 30_000;
  while (!fs.existsSync(address)) {
    if (hasExited(daemon)) throw new Error(`private containerd exited early:\n${tail(logFile)}`);
    if (Date.now() > deadline) {
      await stopDaemon(daemon, 2_000);
      throw new Error(`private containerd did not start within 30s:\n${tail(logFile)}`);
    }
    await sleep(50);
  }
  return { daemon, address };
}

// ---------------------------------------------------------------------------------------
// test image

async function buildRootfsTar(dir: string): Promise<string> {
  const rootfs = path.join(dir, "img");
  const bin = path.join(rootfs, "bin");
  await fsp.mkdir(bin, { recursive: true });
  await fsp.copyFile(BUSYBOX, path.join(bin, "busybox"));
  await fsp.chmod(path.join(bin, "busybox"), 0o755);
  const list = spawnSync(BUSYBOX, ["--list"], { encoding: "utf8" });
  if (list.status !== 0) throw new Error(`${BUSYBOX} --list failed: ${list.stderr}`);
  const applets = list.stdout.split("\n").map((s) => s.trim()).filter((s) => s && s !== "busybox" && !s.includes("/"));
  for (const applet of applets) await fsp.symlink("busybox", path.join(bin, applet));
  await fsp.symlink("bin", path.join(rootfs, "sbin"));
  await fsp.mkdir(path.join(rootfs, "usr"));
  await fsp.symlink("../bin", path.join(rootfs, "usr", "bin"));
  await fsp.symlink("../bin", path.join(rootfs, "usr", "sbin"));
  for (const d of ["etc", "root", "tmp", "var/tmp", "home"]) await fsp.mkdir(path.join(rootfs, d), { recursive: true });
  await fsp.chmod(path.join(rootfs, "tmp"), 0o1777);
  await fsp.chmod(path.join(rootfs, "var/tmp"), 0o1777);
  await fsp.chmod(path.join(rootfs, "root"), 0o700);
  await fsp.writeFile(
    path.join(rootfs, "etc", "passwd"),
    "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
  );
  await fsp.writeFile(path.join(rootfs, "etc", "group"), "root:x:0:\nnogroup:x:65534:\n");
  const tarFile = path.join(dir, "img.tar");
  const tar = spawnSync("tar", ["-C", rootfs, "--numeric-owner", "--owner=0", "--group=0", "-cf", tarFile, "."], {
    encoding: "utf8",
  });
  if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  await fsp.rm(rootfs, { recursive: true, force: true });
  return tarFile;
}

export async function importImage(docker: Docker, tarFile: string, image: string): Promise<void> {
  const [repo, tag] = image.split(/:(?=[^:/]+$)/) as [string, string | undefined];
  const stream = await docker.importImage(tarFile, { repo, tag: tag ?? "latest", changes: ['CMD ["sh"]'] });
  const events = await new Promise<Array<{ error?: string; errorDetail?: { message?: string } }>>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, res: unknown[]) => (err ? reject(err) : resolve(res as never))),
  );
  const failed = events.find((e) => e.error || e.errorDetail);
  if (failed) throw new Error(`docker import failed: ${failed.errorDetail?.message ?? failed.error}`);
  await docker.getImage(image).inspect();
}

// ---------------------------------------------------------------------------------------

export async function startTestDockerEngine(): Promise<TestDockerEngine> {
  if (process.platform !== "linux") throw new Error("The test Docker engine needs Linux.");
  if (process.getuid?.() !== 0) {
    throw new Error("The test Docker engine starts a private dockerd, which needs root. Run the tests as root.");
  }
  const dockerd = findExecutable("dockerd");
  if (!dockerd) {
    throw new Error("`dockerd` not found. Run `bash scripts/ensure-system-deps.sh` as root (installs docker.io).");
  }
  if (!fs.existsSync(BUSYBOX) || !isStaticElf(BUSYBOX)) {
    throw new Error(
      `${BUSYBOX} is missing or not statically linked. Run \`bash scripts/ensure-system-deps.sh\` as root (installs busybox-static).`,
    );
  }

  // Unix socket paths are limited to 108 bytes; containerd's ttrpc socket is the longest
  // one (<dir>/exec/containerd/containerd.sock.ttrpc), so keep the base short.
  const base = os.tmpdir().length <= 40 ? os.tmpdir() : "/tmp";
  sweepStaleEngines(base);
  const dir = await fsp.mkdtemp(path.join(base, DIR_PREFIX));
  await fsp.writeFile(path.join(dir, "owner.pid"), String(process.pid));

  const socketPath = path.join(dir, "docker.sock");
  const dockerHost = `unix://${socketPath}`;
  const logFile = path.join(dir, "dockerd.log");
  const pidFile = path.join(dir, "docker.pid");
  const daemons: Daemon[] = [];
  let stopped = false;

  const onExit = () => {
    if (stopped) return;
    stopped = true;
    forceCleanupSync(dir, daemons.map((d) => d.pid));
  };
  process.once("exit", onExit);

  const started = Date.now();
  let engineReadyMs = 0;
  let imageImportMs = 0;
  let docker: Docker;
  try {
    // Our own config file: never read the host's /etc/docker/daemon.json, and keep the
    // trust key out of /etc/docker/key.json (dockerd 20.10 writes one there by default;
    // the setting exists only as a config-file key, not as a flag).
    await fsp.writeFile(
      path.join(dir, "daemon.json"),
      JSON.stringify({ "deprecated-key-path": path.join(dir, "key.json") }) + "\n",
    );
    const args = [
      `--data-root=${path.join(dir, "root")}`,
      `--exec-root=${path.join(dir, "exec")}`,
      `--host=${dockerHost}`,
      `--pidfile=${pidFile}`,
      `--config-file=${path.join(dir, "daemon.json")}`,
      "--bridge=none",
      "--iptables=false",
      "--ip6tables=false",
      "--ip-forward=false",
      "--ip-masq=false",
      "--userland-proxy=false",
      "--shutdown-timeout=2",
      `--cgroup-parent=${path.basename(dir)}`,
      "--log-level=warn",
    ];
    // Without a system containerd, dockerd starts its own as a child, in its namespace.
    let netns: NetNs = { fresh: true };
    if (fs.existsSync(SYSTEM_CONTAINERD_SOCKET) || process.env.BERTH_TEST_PRIVATE_CONTAINERD === "1") {
      const ctr = await startPrivateContainerd(dir);
      daemons.push(ctr.daemon);
      args.push(`--containerd=${ctr.address}`);
      netns = { joinPid: ctr.daemon.pid };
    }
    const daemon = startDaemon(dockerd, args, logFile, netns);
    daemons.unshift(daemon); // dockerd first: stop it before its containerd

    docker = createDockerClient(dockerHost);
    const deadline = started + READY_TIMEOUT_MS;
    let last = "";
    for (;;) {
      if (hasExited(daemon)) {
        throw new Error(`dockerd exited during startup (code ${daemon.child.exitCode ?? daemon.child.signalCode}):\n${tail(logFile)}`);
      }
      if (fs.existsSync(socketPath)) {
        const status = await checkDockerEngine(docker, { timeoutMs: 1_000 });
        if (status.reachable) break;
        last = status.reason;
      }
      if (Date.now() > deadline) {
        throw new Error(`dockerd not ready after ${READY_TIMEOUT_MS / 1000}s (${last || "no socket"}):\n${tail(logFile)}`);
      }
      await sleep(100);
    }
    engineReadyMs = Date.now() - started;

    const t = Date.now();
    await importImage(docker, await buildRootfsTar(dir), TEST_IMAGE);
    await fsp.rm(path.join(dir, "img.tar"), { force: true });
    imageImportMs = Date.now() - t;
  } catch (err) {
    process.off("exit", onExit);
    for (const d of daemons) await stopDaemon(d, 5_000);
    stopped = true;
    forceCleanupSync(dir, []);
    throw err;
  }

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (stopped) return;
      try {
        const containers = await docker.listContainers({ all: true }).catch(() => []);
        await Promise.all(
          containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {})),
        );
        for (const d of daemons) await stopDaemon(d, 15_000);
      } finally {
        process.off("exit", onExit);
        stopped = true;
        forceCleanupSync(dir, []);
      }
      if (fs.existsSync(dir)) throw new Error(`could not remove the test engine dir ${dir}`);
    })());

  return {
    socketPath,
    dockerHost,
    image: TEST_IMAGE,
    dir,
    logFile,
    timings: { engineReadyMs, imageImportMs },
    stop,
  };
}
