import fs from "node:fs/promises";
import os from "node:os";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { checkDockerEngine, createDockerAdapter, createDockerClient, type DockerAdapter } from "~/server/docker";

describe("private test Docker engine + adapter", () => {
  const dockerHost = inject("dockerHost");
  const image = inject("testImage");
  let adapter: DockerAdapter;
  let hostDir: string;

  beforeAll(async () => {
    adapter = createDockerAdapter(dockerHost);
    hostDir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-bind-"));
  });

  afterAll(async () => {
    if (hostDir) await fs.rm(hostDir, { recursive: true, force: true });
  });

  it("runs a container that writes into a bind-mounted host dir", async () => {
    const name = `berth-it-${process.pid}-${Date.now()}`;
    const result = await adapter.runToCompletion({
      image,
      cmd: ["sh", "-c", "echo hello-berth > /data/out.txt && echo done"],
      binds: [`${hostDir}:/data`],
      name,
    });
    expect(result.exitCode, result.logs).toBe(0);
    expect(result.logs).toBe("done\n");
    expect(await fs.readFile(path.join(hostDir, "out.txt"), "utf8")).toBe("hello-berth\n");
    // the container is removed afterwards (other test files share this engine: look for ours only)
    expect(await adapter.docker.listContainers({ all: true, filters: { name: [name] } })).toEqual([]);
  });

  it("reports a failing command's exit code and stderr", async () => {
    const result = await adapter.runToCompletion({ image, cmd: ["sh", "-c", "echo oops >&2; exit 3"] });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toBe("oops\n");
    expect(result.stdout).toBe("");
  });

  it("containers have no network", async () => {
    const result = await adapter.runToCompletion({ image, cmd: ["sh", "-c", "ls /sys/class/net"] });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim().split(/\s+/)).toEqual(["lo"]);
  });

  it("checkDockerEngine reports the engine as reachable", async () => {
    const status = await checkDockerEngine(createDockerClient(dockerHost));
    expect(status).toMatchObject({ reachable: true });
    if (!status.reachable) throw new Error(status.reason);
    expect(status.version).toMatch(/^\d+\.\d+/);
    expect(status.apiVersion).toMatch(/^\d+\.\d+$/);
    await expect(adapter.ping()).resolves.toBeUndefined();
  });

  it("checkDockerEngine reports a missing socket as unreachable, quickly and without throwing", async () => {
    const missing = path.join(hostDir, "nope", "docker.sock");
    const started = Date.now();
    const status = await checkDockerEngine(createDockerClient(`unix://${missing}`));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(status.reachable).toBe(false);
    if (status.reachable) return;
    expect(status.reason).toContain(missing);
  });

  it("checkDockerEngine gives up on an engine that never answers after ~2s", async () => {
    const socketPath = path.join(hostDir, "silent.sock");
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => sockets.push(socket)); // accepts, never replies
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const started = Date.now();
      const status = await checkDockerEngine(createDockerClient(`unix://${socketPath}`));
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
