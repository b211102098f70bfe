// Vitest globalSetup for the integration project: one private Docker engine for the whole
// run (see ./docker-engine.ts). Test files get its address with
//   import { inject } from "vitest";
//   const dockerHost = inject("dockerHost"); const image = inject("testImage");
// Containers on it must use NetworkMode "none" (the engine has no bridge network).
import type { TestProject } from "vitest/node";
import { startTestDockerEngine } from "./docker-engine";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
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
  };
}
