// The benchmark's world: a private Docker engine (test/support/docker-engine.ts: its own
// dockerd, never the user's), a temp data dir with a migrated SQLite database (the same
// `prisma migrate deploy` `npm start` runs), and Berth's own engine functions on top.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { createDockerClient } from "~/server/docker/client";
import { startTestDockerEngine, type TestDockerEngine } from "../../test/support/docker-engine";
import { TEST_IMAGE } from "../../test/support/test-image";
import { watchDowntime } from "./docker-downtime";

/** One stretch of an operation in one phase, from its progress events. */
export interface PhaseSpan {
  phase: string;
  startMs: number;
  endMs: number;
  /** peak RSS (MB) sampled during the span */
  peakMB: number;
}

export interface ChildReport {
  /** the engine call (restore: until it returned, i.e. the workload is up again) */
  ms: number;
  result: unknown;
  /** peakKb: VmHWM over everything the child did (a restore's background work included) */
  rss: { beforeKb: number; peakKb: number };
  /** capture and restore: the operation's phases in order, as the UI sees them */
  timeline: PhaseSpan[];
  restore?: RestoreReport;
}

export interface RestoreReport {
  restoreRunId: string;
  preRestoreSnapshotId: string | null;
  /** restoreSnapshot() resolved: the workload is up on the restored data */
  upMs: number;
  /** deps.restores.settled() resolved: the undo copy is durable and recorded, backups removed */
  undoDurableMs: number;
  /** the RestoreRun row as Berth recorded it */
  run: {
    downtimeMs: number | null;
    upAfterMs: number | null;
    durationMs: number | null;
    undoCopy: string | null;
    phases: Array<{ phase: string; ms: number }>;
  };
}

export type BenchEnvironment = Awaited<ReturnType<typeof createEnvironment>>;

export async function createEnvironment(root: string, workBase: string) {
  await fs.mkdir(workBase, { recursive: true });
  const workDir = await fs.mkdtemp(path.join(workBase, "berth-bench-"));
  const dataDir = path.join(workDir, "data");
  await fs.mkdir(dataDir);
  let engine: TestDockerEngine | undefined;
  try {
    engine = await startTestDockerEngine();
    Object.assign(process.env, {
      BERTH_DATA_DIR: dataDir,
      DATABASE_URL: `file:${path.join(dataDir, "berth.db")}`,
      DOCKER_HOST: engine.dockerHost,
      BERTH_DOCKER_NETWORK: "none",
      NEXTAUTH_SECRET: randomBytes(32).toString("hex"),
      NODE_ENV: "production",
      LOG_LEVEL: "silent",
    });
    execFileSync(path.join(root, "node_modules/.bin/prisma"), ["migrate", "deploy"], { cwd: root, stdio: "pipe" });
  } catch (error) {
    await engine?.stop();
    await fs.rm(workDir, { recursive: true, force: true });
    throw error;
  }

  // Imported only now: they read the environment set above when first loaded.
  const { db } = await import("~/server/db");
  const { engineDeps: deps } = await import("~/server/engine-deps");
  const { systemActor } = await import("~/server/engine/actor");
  const { createProject, createStage } = await import("~/server/engine/workloads/projects");
  const { createWorkload, deployWorkload, loadWorkload, resolveWorkloadVolumes } = await import("~/server/engine/workloads/workloads");
  const { deleteSnapshot, getSnapshotRow, snapshotFilePath } = await import("~/server/engine/snapshots/snapshot-store");
  const { createApiToken } = await import("~/server/engine/api-tokens");
  const actor = systemActor("bench");
  const { secret: token } = await createApiToken(deps, actor, { name: "bench", role: "ADMIN" });
  const childEnv = { ...process.env };
  const docker = createDockerClient(engine!.dockerHost);

  return {
    workDir,
    dataDir,
    token,

    /** A running workload with one stage volume; returns its id and the volume's host folder. */
    async createWorkload(name: string) {
      const project = await createProject(deps, actor, { slug: name });
      const stage = await createStage(deps, actor, { projectId: project.id, slug: "production" });
      const workload = await createWorkload(deps, actor, {
        projectId: project.id,
        stageId: stage.id,
        name: "app",
        image: TEST_IMAGE,
        // sh as PID 1 ignores SIGTERM: trap it so stop/restore do not wait for the kill timeout.
        command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"],
        env: [],
        ports: [],
        restartPolicy: "no",
        volumes: [{ target: "/data", scope: "stage", source: "data" }],
        labels: {},
      });
      const [volume] = await resolveWorkloadVolumes(deps, await loadWorkload(db, workload.id));
      if (volume?.kind !== "bind") throw new Error("expected a bind volume");
      await fs.mkdir(volume.hostPath, { recursive: true });
      await deployWorkload(deps, actor, workload.id);
      return { id: workload.id, volume: volume.hostPath };
    },

    /** Watches the workload's container on the engine (Docker's events); stop() reports its downtime. */
    watchDowntime(workloadId: string) {
      return watchDowntime(docker, workloadId);
    },

    async snapshotFile(id: string) {
      return snapshotFilePath(dataDir, await getSnapshotRow(db, id));
    },

    async deleteSnapshot(id: string) {
      await deleteSnapshot(deps, actor, id);
    },

    /** Runs `scripts/bench/berth-child.ts <args>` and returns its report. */
    berth(...args: string[]): Promise<ChildReport> {
      return new Promise((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ["--expose-gc", "--import", "tsx", path.join(root, "scripts/bench/berth-child.ts"), ...args],
          {
            cwd: root,
            env: childEnv,
            stdio: ["ignore", "pipe", "pipe"],
          },
        );
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("close", (code) => {
          const last = stdout.trim().split("\n").at(-1) ?? "";
          if (code === 0 && last.startsWith("{")) resolve(JSON.parse(last) as ChildReport);
          else reject(new Error(`berth ${args[0]} failed (${code}): ${(stderr || stdout).trim().slice(-3000)}`));
        });
      });
    },

    /** The download route in its own process (like the server); resolves with its port and a stop(). */
    startDownloadServer(): Promise<{ port: number; stop: () => void }> {
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "scripts/bench/berth-child.ts"), "serve"], {
          cwd: root,
          env: childEnv,
          stdio: ["ignore", "pipe", "inherit"],
        });
        child.on("error", reject);
        child.on("exit", (code) => reject(new Error(`download server exited (${code})`)));
        child.stdout.once("data", (d: Buffer) => {
          const { port } = JSON.parse(d.toString()) as { port: number };
          resolve({ port, stop: () => child.kill("SIGTERM") });
        });
      });
    },

    async close(keep: boolean) {
      await db.$disconnect();
      await engine!.stop();
      if (!keep) await fs.rm(workDir, { recursive: true, force: true });
    },
  };
}
