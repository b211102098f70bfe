import { afterAll, inject } from "vitest";
import { createDockerClient } from "~/server/docker/client";

/** Removes every workload container a test file started on the shared test engine. */
export function removeWorkloadContainersAfterAll(): void {
  afterAll(async () => {
    const docker = createDockerClient(inject("dockerHost"));
    for (const c of await docker.listContainers({ all: true, filters: { label: ["berth.workload"] } })) {
      await docker.getContainer(c.Id).remove({ force: true });
    }
  });
}
