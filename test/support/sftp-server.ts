// A real OpenSSH server for SFTP tests (Debian's openssh-server, scripts/ensure-system-deps.sh):
// its own host key, client key, authorized_keys and sshd_config in one temp folder, listening on
// a free loopback port. The system sshd, /etc/ssh and /run are never touched.
//
// Run as root, sshd insists on its privilege-separation directory /run/sshd (a compile-time path,
// no option moves it). Instead of creating it on the host, sshd runs in a mount namespace of its
// own (`unshare --mount`) where the temp folder's `run/` is bind-mounted over /run; the namespace
// and the mount vanish with sshd. Run as another user, sshd needs no such directory and can only
// log that user in.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { isAlive, killAll, sleep } from "./host-processes";
import { freePort } from "./free-port";

const SSHD = "/usr/sbin/sshd";

export interface SftpServer {
  host: "127.0.0.1";
  port: number;
  /** the user sshd runs as (root here): the only one it can log in */
  username: string;
  /** an empty folder inside the server's temp folder, absolute */
  folder: string;
  /** the client key (OpenSSH format, no passphrase) listed in authorized_keys */
  privateKey: string;
  /** `ssh-keygen -lf` of the host key: "SHA256:…" */
  hostKeyFingerprint: string;
  /** the listener's pid */
  pid: number;
  /** sshd's log so far (LogLevel VERBOSE: every connection and authentication attempt) */
  log(): string;
  /** Cuts every open connection (SIGKILL to the per-connection sshd processes); the listener stays. */
  killSessions(): Promise<void>;
  /** Kills sshd and its sessions and removes the temp folder. */
  stop(): Promise<void>;
}

export async function startSftpServer(): Promise<SftpServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-sshd-"));
  let child: ChildProcess | undefined;
  let orphanGuard: (() => void) | undefined;
  try {
    const keygen = (file: string) => execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "berth-test", "-f", file]);
    keygen(path.join(dir, "host_key"));
    keygen(path.join(dir, "client_key"));
    fs.copyFileSync(path.join(dir, "client_key.pub"), path.join(dir, "authorized_keys"));
    const hostKeyFingerprint =
      execFileSync("ssh-keygen", ["-l", "-f", path.join(dir, "host_key.pub")], { encoding: "utf8" }).split(" ")[1] ?? "";
    const folder = path.join(dir, "folder");
    fs.mkdirSync(folder);
    fs.mkdirSync(path.join(dir, "run", "sshd"), { recursive: true });

    const port = await freePort();
    const username = os.userInfo().username;
    const config = path.join(dir, "sshd_config");
    const lines = [
      "ListenAddress 127.0.0.1",
      `Port ${port}`,
      `HostKey ${path.join(dir, "host_key")}`,
      `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
      `PidFile ${path.join(dir, "sshd.pid")}`,
      `AllowUsers ${username}`,
      "Subsystem sftp internal-sftp",
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
      "PermitRootLogin prohibit-password",
      // VERBOSE logs every authentication attempt: tests check that a refused host saw none.
      "LogLevel VERBOSE",
      "X11Forwarding no",
      "AllowAgentForwarding no",
      "AllowTcpForwarding no",
      "PermitTunnel no",
      "UseDNS no",
      "PrintMotd no",
      "MaxStartups 200",
      "MaxSessions 50",
    ];
    // OpenSSH 9.8+ slows down a source that failed to log in (the tests do, on purpose); 9.2 does not
    // know the option and refuses the whole file with it.
    fs.writeFileSync(config, `${[...lines, "PerSourcePenalties no"].join("\n")}\n`);
    if (!configAccepted(dir, config)) fs.writeFileSync(config, `${lines.join("\n")}\n`);

    const logFile = path.join(dir, "sshd.log");
    const logFd = fs.openSync(logFile, "a");
    child = spawn(...sshdCommand(dir, ["-D", "-e", "-f", config]), { stdio: ["ignore", logFd, logFd] });
    fs.closeSync(logFd);
    const pid = child.pid;
    if (pid === undefined) throw new Error("sshd did not start");
    const exited = new Promise<void>((resolve) => child?.once("exit", () => resolve()));
    // A test process that dies without stop() leaves no sshd behind (its sessions end with their clients).
    orphanGuard = () => {
      child?.kill("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    };
    process.once("exit", orphanGuard);
    const log = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "");
    await waitListening(port, child, log);

    const killSessions = async () => {
      // Children before their parents, each waited for until its parent reaped it: a zombie whose
      // parent died first is left to init, which does not reap everywhere (some sandboxes' init).
      for (const session of descendantsOf(pid).reverse()) {
        killAll([session], "SIGKILL");
        while (!reapedOrOrphaned(session)) await sleep(10);
      }
    };
    return {
      host: "127.0.0.1",
      port,
      username,
      folder,
      privateKey: fs.readFileSync(path.join(dir, "client_key"), "utf8"),
      hostKeyFingerprint,
      pid,
      log,
      killSessions,
      async stop() {
        if (orphanGuard) process.off("exit", orphanGuard);
        // sshd's listener leaves its sessions running when it ends: cut them first.
        await killSessions();
        if (child?.exitCode === null && child.signalCode === null) {
          child.kill("SIGTERM");
          await exited;
        }
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (orphanGuard) process.off("exit", orphanGuard);
    child?.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** sshd with `args`, as root inside its own mount namespace (see the top of the file). */
function sshdCommand(dir: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [SSHD, args];
  // unshare and sh exec into sshd: the spawned pid is sshd's.
  const script = `mount --bind "$1" /run && shift && exec ${SSHD} "$@"`;
  return ["unshare", ["--mount", "--propagation", "private", "--", "sh", "-c", script, "sh", path.join(dir, "run"), ...args]];
}

function configAccepted(dir: string, config: string): boolean {
  try {
    execFileSync(...sshdCommand(dir, ["-t", "-f", config]), { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function waitListening(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`sshd exited before listening:\n${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await sleep(20);
  }
  throw new Error(`sshd did not listen on 127.0.0.1:${port}:\n${log()}`);
}

/** Every process below `pid`, collected before any is killed (a killed parent's children move to init). */
function descendantsOf(pid: number): number[] {
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift() as number;
    for (const child of childrenOf(parent)) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Gone from /proc, or a zombie no living parent will reap. */
function reapedOrOrphaned(pid: number): boolean {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return true;
  }
  const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return state === "Z" && !isAlive(Number(ppid));
}

function childrenOf(pid: number): number[] {
  try {
    return fs
      .readdirSync(`/proc/${pid}/task`)
      .flatMap((task) => fs.readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim().split(/\s+/))
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}
