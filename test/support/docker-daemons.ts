// Starting and stopping the test engine's daemons (dockerd and, when a system containerd runs,
// a private containerd), each in a network namespace of its own.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { findExecutable, SBIN_PATH, settlesWithin, sleep, tail } from "./host-processes";

export interface Daemon {
  child: ChildProcess;
  pid: number;
  exited: Promise<void>;
}

/**
 * Where a daemon's network namespace comes from: a fresh one (`unshare --net`), or the one
 * of an already running daemon (`nsenter --net=/proc/<pid>/ns/net`). Both exec the daemon
 * in place (no fork for a network namespace), so its pid is the one we spawned.
 */
export type NetNs = { fresh: true } | { joinPid: number };

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

export function startDaemon(cmd: string, args: string[], logFile: string, netns: NetNs): Daemon {
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

export function hasExited(d: Daemon): boolean {
  return d.child.exitCode !== null || d.child.signalCode !== null;
}

export async function stopDaemon(d: Daemon, graceMs: number): Promise<void> {
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
export async function startPrivateContainerd(dir: string): Promise<{ daemon: Daemon; address: string }> {
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
    `  address = ${JSON.stringify(`${address}.ttrpc`)}`,
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
