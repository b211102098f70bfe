import { inject } from "vitest";
import { engineDeps } from "~/server/engine-deps";
import { systemActor } from "~/server/engine/actor";
import { createProject, createStage } from "~/server/engine/workloads/projects";
import type { WorkloadSettings } from "~/server/engine/workloads/workload-config";
import { createWorkload } from "~/server/engine/workloads/workloads";

export const testActor = systemActor("test");

/** A busybox command that exits at once on `docker stop` (sh as PID 1 ignores SIGTERM otherwise). */
export const longRunning = (script: string) => ["sh", "-c", `trap 'exit 0' TERM; ${script}; sleep 3600 & wait`];

let counter = 0;
export async function makeStage() {
  const n = `${process.pid % 10000}-${++counter}`;
  const project = await createProject(engineDeps, testActor, { slug: `p${n}` });
  const stage = await createStage(engineDeps, testActor, { projectId: project.id, slug: "production" });
  return { project, stage };
}

export async function makeWorkload(settings: Partial<WorkloadSettings> & { name?: string } = {}) {
  const { project, stage } = await makeStage();
  const { name = "app", ...rest } = settings;
  return createWorkload(engineDeps, testActor, {
    projectId: project.id,
    stageId: stage.id,
    name,
    image: inject("testImage"),
    command: longRunning("true"),
    env: [],
    ports: [],
    restartPolicy: "no",
    volumes: [],
    labels: {},
    ...rest,
  });
}
