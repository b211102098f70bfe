// Vitest globalSetup for the integration and e2e projects: one private Docker engine for
// the whole run (see ./docker-engine.ts). Test files get its address with
//   import { inject } from "vitest";
//   const dockerHost = inject("dockerHost"); const image = inject("testImage");
// Containers on it must use NetworkMode "none" (the engine has no bridge network).
// It also guards the host: the network state (interfaces, addresses, routes, firewall) is
// recorded before the engine starts and compared after it stopped; any difference fails
// the run (vitest only logs teardown errors, hence the exit code).
import type { TestProject } from "vitest/node";
import { startTestDockerEngine } from "./docker-engine";
import { diffHostNetwork, snapshotHostNetwork } from "./host-network";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const hostNetwork = snapshotHostNetwork();
  const engine = await startTestDockerEngine();
  const { engineReadyMs, imageImportMs } = engine.timings;
  if (process.env.BERTH_TEST_VERBOSE) {
    console.error(
      `[berth-test] private dockerd ready in ${engineReadyMs} ms, ${engine.image} imported in ${imageImportMs} ms (${engine.dockerHost})`,
    );
  }
  project.provide("dockerHost", engine.dockerHost);
  project.provide("testImage", engine.image);
  return async () => {
    await engine.stop();
    const changes = diffHostNetwork(hostNetwork, snapshotHostNetwork());
    if (changes.length > 0) {
      process.exitCode = 1;
      const message = `[berth-test] the host's network state changed during the ${project.name} run:\n  ${changes.join("\n  ")}`;
      console.error(message);
      throw new Error(message);
    }
  };
}
