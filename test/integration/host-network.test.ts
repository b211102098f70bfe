// Issue #11, item 13: the private test engine must not touch the host's network. A dockerd
// started with --bridge=none in the host's namespace deletes the host's docker0 (and with it
// the network of the system Docker). This file starts a second private engine, runs a
// container on it, and checks that every daemon process lives in a namespace of its own and
// that the host's interfaces, addresses, routes and firewall rules are the same before,
// during and after.
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDockerClient } from "~/server/docker/client";
import { startTestDockerEngine, TEST_NETWORK_MODE, type TestDockerEngine } from "../support/docker-engine";
import { processesUsing } from "../support/host-processes";
import { diffHostNetwork, snapshotHostNetwork } from "../support/host-network";

/** The process's network namespace ("net:[4026531840]"), or undefined once it has exited. */
function netnsOf(pid: number | "self"): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return undefined;
  }
}

function programOf(pid: number): string {
  try {
    return path.basename(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] ?? "");
  } catch {
    return "";
  }
}

describe("private test engine and the host's network", () => {
  let engine: TestDockerEngine | undefined;
  let hostDir: string | undefined;

  afterAll(async () => {
    await engine?.stop();
    if (hostDir) await fsp.rm(hostDir, { recursive: true, force: true });
  });

  it("runs dockerd, containerd and the shims in a namespace of their own and leaves the host's network as it was", async () => {
    const hostNetns = netnsOf("self");
    const before = snapshotHostNetwork();

    engine = await startTestDockerEngine();
    hostDir = await fsp.mkdtemp(path.join(os.tmpdir(), "berth-netns-"));
    const docker = createDockerClient(engine.dockerHost);
    const container = await docker.createContainer({
      Image: engine.image,
      Cmd: ["sleep", "600"],
      HostConfig: { NetworkMode: TEST_NETWORK_MODE, Binds: [`${hostDir}:/data`] },
    });
    await container.start();

    const daemons = processesUsing(engine.dir)
      .map((pid) => ({ pid, program: programOf(pid), netns: netnsOf(pid) }))
      .filter((p) => p.netns !== undefined); // a short-lived runc may be gone already
    expect(daemons.map((p) => p.program)).toEqual(
      expect.arrayContaining(["dockerd", "containerd", expect.stringMatching(/^containerd-shim/)]),
    );
    for (const p of daemons) expect(p.netns, `${p.program} (pid ${p.pid})`).not.toBe(hostNetns);
    expect(new Set(daemons.map((p) => p.netns)).size, JSON.stringify(daemons)).toBe(1);
    expect(diffHostNetwork(before, snapshotHostNetwork())).toEqual([]);

    await container.remove({ force: true });
    await engine.stop();
    expect(diffHostNetwork(before, snapshotHostNetwork())).toEqual([]);
  });
});
