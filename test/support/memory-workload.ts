// A workload for Docker-free tests (the in-memory runtime): its own project and stage, one stage
// volume at /data holding one file, so there is something to capture.
import fs from "node:fs/promises";
import path from "node:path";
import type { Actor } from "~/server/engine/actor";
import type { EngineDeps } from "~/server/engine/deps";
import { createProject, createStage } from "~/server/engine/workloads/projects";
import { createWorkload } from "~/server/engine/workloads/workloads";

let counter = 0;

export async function makeDataWorkload(
  deps: EngineDeps,
  actor: Actor,
  options: { image: string; name?: string; file: string; data: (workloadId: string) => string | Buffer },
) {
  const project = await createProject(deps, actor, { slug: `m${process.pid}-${++counter}` });
  const stage = await createStage(deps, actor, { projectId: project.id, slug: "production" });
  const workload = await createWorkload(deps, actor, {
    projectId: project.id,
    stageId: stage.id,
    name: options.name ?? "app",
    image: options.image,
    command: [],
    env: [],
    ports: [],
    restartPolicy: "no",
    volumes: [{ target: "/data", scope: "stage", source: "data" }],
    labels: {},
  });
  const hostPath = workload.volumePreview[0]!.hostPath!;
  await fs.mkdir(hostPath, { recursive: true });
  await fs.writeFile(path.join(hostPath, options.file), options.data(workload.id));
  return workload;
}
