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
 * (TEST_NETWORK_MODE, what BERTH_DOCKER_NETWORK is set to in tests). The API socket is a
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
 *
 * This file is the lifecycle; the parts live beside it: ./docker-daemons.ts (dockerd and a
 * private containerd in their namespace), ./test-image.ts (the busybox image),
 * ./engine-cleanup.ts (teardown and stale-engine sweep), ./host-processes.ts (process helpers).
 */
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { checkDockerEngine, createDockerClient } from "~/server/docker/client";
import { type Daemon, hasExited, type NetNs, startDaemon, startPrivateContainerd, stopDaemon } from "./docker-daemons";
import { DIR_PREFIX, forceCleanupSync, sweepStaleEngines } from "./engine-cleanup";
import { findExecutable, sleep, tail } from "./host-processes";
import { assertStaticBusybox, buildRootfsTar, importImage, TEST_IMAGE } from "./test-image";

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

const READY_TIMEOUT_MS = 60_000;
const SYSTEM_CONTAINERD_SOCKET = "/run/containerd/containerd.sock";

export async function startTestDockerEngine(): Promise<TestDockerEngine> {
  if (process.platform !== "linux") throw new Error("The test Docker engine needs Linux.");
  if (process.getuid?.() !== 0) {
    throw new Error("The test Docker engine starts a private dockerd, which needs root. Run the tests as root.");
  }
  const dockerd = findExecutable("dockerd");
  if (!dockerd) {
    throw new Error("`dockerd` not found. Run `bash scripts/ensure-system-deps.sh` as root (installs docker.io).");
  }
  assertStaticBusybox();

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
    forceCleanupSync(
      dir,
      daemons.map((d) => d.pid),
    );
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
    await fsp.writeFile(path.join(dir, "daemon.json"), `${JSON.stringify({ "deprecated-key-path": path.join(dir, "key.json") })}\n`);
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
          containers.map((c) =>
            docker
              .getContainer(c.Id)
              .remove({ force: true, v: true })
              .catch(() => {}),
          ),
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
