import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDockerClient, parseDockerHost } from "~/server/docker/client";
import { createDockerRuntime } from "~/server/docker/container-runtime";
import type { ContainerRef, ContainerRuntime, ContainerSpec } from "~/server/engine/container-runtime";
import { removeWorkloadContainersAfterAll } from "../support/container-cleanup";
import { TEST_NETWORK_MODE } from "../support/docker-engine";

// The dockerode adapter behind the engine's ContainerRuntime port, on the private test engine.
removeWorkloadContainersAfterAll();

describe("the Docker runtime on the private test engine", () => {
  const image = inject("testImage");
  let runtime: ContainerRuntime;
  let hostDir: string;
  let counter = 0;

  beforeAll(async () => {
    runtime = createDockerRuntime(createDockerClient(inject("dockerHost")), { networkMode: TEST_NETWORK_MODE });
    hostDir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-bind-"));
  });

  afterAll(async () => {
    if (hostDir) await fs.rm(hostDir, { recursive: true, force: true });
  });

  /** Runs `script` in a fresh container of its own workload id and waits until it exits. */
  async function runScript(script: string, mounts: ContainerSpec["mounts"] = []) {
    const ref: ContainerRef = { name: `berth-it-${process.pid}-${++counter}`, workloadId: `rt-${process.pid}-${counter}` };
    await runtime.recreate({ ...ref, image, command: ["sh", "-c", script], env: {}, mounts, ports: [], restartPolicy: "no", labels: {} });
    await expect.poll(async () => (await runtime.inspect(ref)).state, { timeout: 10_000 }).toBe("exited");
    return { ref, state: await runtime.inspect(ref), logs: (await runtime.logs(ref, { tail: 100 })).map((l) => `${l.text}\n`).join("") };
  }

  it("runs a container that writes into a bind-mounted host dir, then removes it", async () => {
    const { ref, state, logs } = await runScript("echo hello-berth > /data/out.txt && echo done", [
      { type: "bind", source: hostDir, target: "/data", readOnly: false },
    ]);
    expect(state).toMatchObject({ state: "exited", exitCode: 0 });
    expect(logs).toBe("done\n");
    expect(await fs.readFile(path.join(hostDir, "out.txt"), "utf8")).toBe("hello-berth\n");
    expect(await runtime.mountedFolders()).toContainEqual({ workloadId: ref.workloadId, sources: [hostDir] });
    await runtime.remove(ref);
    expect(await runtime.inspect(ref)).toEqual({ state: "missing" });
  });

  it("reports a failing command's exit code and its stderr in the logs", async () => {
    const { ref, state, logs } = await runScript("echo oops >&2; exit 3");
    expect(state).toMatchObject({ state: "exited", exitCode: 3 });
    expect(logs).toBe("oops\n");
    await runtime.remove(ref);
  });

  it("containers get the configured network mode: none has only the loopback", async () => {
    const { ref, logs } = await runScript("ls /sys/class/net");
    expect(logs.trim().split(/\s+/)).toEqual(["lo"]);
    await runtime.remove(ref);
  });

  it("probe reports the engine as reachable with its versions", async () => {
    const status = await runtime.probe();
    if (!status.reachable) throw new Error(status.reason);
    expect(status.version).toMatch(/^\d+\.\d+/);
    expect(status.apiVersion).toMatch(/^\d+\.\d+$/);
  });

  it("probe reports a missing socket as unreachable, quickly and without throwing", async () => {
    const missing = path.join(hostDir, "nope", "docker.sock");
    const started = Date.now();
    const status = await createDockerRuntime(createDockerClient(`unix://${missing}`), { networkMode: "none" }).probe();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(status).toEqual({ reachable: false, reason: `Docker socket not found at ${missing}` });
  });

  it("probe gives up on an engine that never answers after ~2s", async () => {
    const socketPath = path.join(hostDir, "silent.sock");
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => sockets.push(socket)); // accepts, never replies
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const started = Date.now();
      const status = await createDockerRuntime(createDockerClient(`unix://${socketPath}`), { networkMode: "none" }).probe();
      const elapsed = Date.now() - started;
      expect(status.reachable).toBe(false);
      expect(elapsed).toBeGreaterThanOrEqual(1_900);
      expect(elapsed).toBeLessThan(3_000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe("parseDockerHost", () => {
  it("reads unix sockets, tcp and http(s) addresses with their default ports", () => {
    expect(parseDockerHost(undefined)).toEqual({ kind: "unix", socketPath: "/var/run/docker.sock" });
    expect(parseDockerHost("unix:///tmp/d.sock")).toEqual({ kind: "unix", socketPath: "/tmp/d.sock" });
    expect(parseDockerHost("/tmp/d.sock")).toEqual({ kind: "unix", socketPath: "/tmp/d.sock" });
    expect(parseDockerHost("tcp://10.0.0.1")).toEqual({ kind: "tcp", host: "10.0.0.1", port: 2375, protocol: "http" });
    expect(parseDockerHost("https://[::1]")).toEqual({ kind: "tcp", host: "::1", port: 2376, protocol: "https" });
  });

  it("refuses schemes dockerode cannot use here", () => {
    expect(() => parseDockerHost("ssh://user@host")).toThrow(/Unsupported DOCKER_HOST scheme "ssh:\/\/"/);
  });
});
