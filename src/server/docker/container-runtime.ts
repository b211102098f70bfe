import { Writable } from "node:stream";
import type Docker from "dockerode";
import {
  type ContainerMount,
  type ContainerRef,
  type ContainerRuntime,
  type ContainerSpec,
  type ContainerState,
  containerNameTaken,
  EXEC_OUTPUT_MAX,
  type ExecResult,
  imagePullFailed,
  OWNER_LABEL,
  SANDBOX_LABEL,
} from "~/server/engine/container-runtime";
import { unreachableReason } from "~/server/engine/public-error";
import { logger } from "~/server/logger";
import { checkDockerEngine } from "./client";
import { collectFrames, demuxFrames, dockerTimestamp, type LogFrame, linesOf, newestLines, normalizeLogTime } from "./log-stream";

/** A test restore's sandbox: at most this many processes and this much memory. */
export const SANDBOX_PIDS_LIMIT = 512;
export const SANDBOX_MEMORY_BYTES = 1024 ** 3;

const isNotFound = (error: unknown) => (error as { statusCode?: number }).statusCode === 404;
const isNotModified = (error: unknown) => (error as { statusCode?: number }).statusCode === 304;

/** dockerode's errors carry the engine's JSON reply; keep just its message. */
function engineMessage(error: unknown): string {
  const e = error as { json?: { message?: string }; reason?: string; message?: string };
  return e.json?.message ?? e.reason ?? e.message ?? String(error);
}

/** A Docker time that means "never" ("0001-01-01T00:00:00Z") as null. */
const realTime = (time: string | undefined) => (!time || time.startsWith("0001-") ? null : time);

/** `docker stats`' CPU figure: the container's share of the host's CPU time in the sample, times the CPUs. */
function cpuPercentOf(s: Docker.ContainerStats): number | null {
  const cpu = s.cpu_stats;
  const pre = s.precpu_stats;
  if (!cpu?.cpu_usage || !pre?.cpu_usage || !pre.system_cpu_usage) return null;
  const cpuDelta = cpu.cpu_usage.total_usage - pre.cpu_usage.total_usage;
  const systemDelta = cpu.system_cpu_usage - pre.system_cpu_usage;
  if (systemDelta <= 0 || cpuDelta < 0) return 0;
  const cpus = cpu.online_cpus || cpu.cpu_usage.percpu_usage?.length || 1;
  return (cpuDelta / systemDelta) * cpus * 100;
}

/** `docker stats`' memory figure: usage without the inactive page cache the kernel can drop (cgroup v1, v2, older engines). */
function memoryOf(s: Docker.ContainerStats): number | null {
  const usage = s.memory_stats?.usage;
  if (typeof usage !== "number") return null;
  const stats = (s.memory_stats.stats ?? {}) as Partial<Record<"total_inactive_file" | "inactive_file" | "cache", number>>;
  const dropped = stats.total_inactive_file ?? stats.inactive_file ?? stats.cache ?? 0;
  return dropped < usage ? usage - dropped : usage;
}

/** What runs in a container Berth creates, a workload's or a sandbox: the image, its command and env. */
const processOf = (spec: { image: string; command: string[]; env: Record<string, string> }) => ({
  Image: spec.image,
  Cmd: spec.command.length > 0 ? spec.command : undefined,
  Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
});

/** Structured mounts: no `src:dst:opts` string a source or target could inject options into. */
const mountsOf = (mounts: ContainerMount[]) =>
  mounts.map((m) =>
    m.type === "bind"
      ? {
          Type: "bind" as const,
          Source: m.source,
          Target: m.target,
          ReadOnly: m.readOnly,
          BindOptions: { Propagation: "rprivate" as const },
        }
      : { Type: "volume" as const, Source: m.source, Target: m.target, ReadOnly: m.readOnly },
  );

function stateOf(s: Docker.ContainerInspectInfo["State"]): ContainerState {
  if (s.Running) return { state: "running", startedAt: s.StartedAt };
  if (s.Status === "exited") return { state: "exited", exitCode: s.ExitCode, finishedAt: s.FinishedAt };
  return { state: s.Status as "created" | "paused" | "restarting" | "removing" | "dead" };
}

/** Keeps the last EXEC_OUTPUT_MAX bytes written to it: a chatty check cannot fill the memory. */
function outputTail() {
  let chunks: Buffer[] = [];
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      size += chunk.length;
      if (size > 2 * EXEC_OUTPUT_MAX) {
        chunks = [Buffer.concat(chunks).subarray(-EXEC_OUTPUT_MAX)];
        size = chunks[0]!.length;
      }
      callback();
    },
  });
  return { sink, text: () => Buffer.concat(chunks).subarray(-EXEC_OUTPUT_MAX).toString("utf8") };
}

export function createDockerRuntime(docker: Docker, opts: { networkMode: string }): ContainerRuntime {
  /** Containers Berth created for this workload, found by label only: never by name alone. */
  async function owned(ref: ContainerRef): Promise<Docker.ContainerInfo[]> {
    try {
      return await docker.listContainers({ all: true, filters: { label: [`${OWNER_LABEL}=${ref.workloadId}`] } });
    } catch (error) {
      throw new Error(engineMessage(error), { cause: error });
    }
  }

  /** The workload's current container: the one with the expected name, else any it owns. */
  async function current(ref: ContainerRef): Promise<Docker.ContainerInfo | undefined> {
    const list = await owned(ref);
    return list.find((c) => c.Names.includes(`/${ref.name}`)) ?? list[0];
  }

  async function pull(image: string): Promise<void> {
    const stream = await docker.pull(image);
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null, output: { error?: string }[]) => {
        const failed = output?.find((o) => o.error);
        if (err || failed) reject(new Error(err?.message ?? failed?.error));
        else resolve();
      }),
    );
  }

  async function removeOwned(ref: ContainerRef): Promise<void> {
    for (const c of await owned(ref)) {
      try {
        await docker.getContainer(c.Id).remove({ force: true });
      } catch (error) {
        if (!isNotFound(error)) throw new Error(engineMessage(error));
      }
    }
  }

  /** The container that has the name now, whoever made it, or null. */
  function holderOf(name: string): Promise<Docker.ContainerInspectInfo | null> {
    return docker
      .getContainer(name)
      .inspect()
      .catch((error: unknown) => {
        if (isNotFound(error)) return null;
        throw new Error(engineMessage(error), { cause: error });
      });
  }

  /** The sandbox named `name`, or null when there is none or the container of that name is not a sandbox. */
  async function sandbox(name: string): Promise<Docker.ContainerInspectInfo | null> {
    const info = await holderOf(name);
    return info?.Config.Labels?.[SANDBOX_LABEL] ? info : null;
  }

  /** The frames of the container's log as one answer; none when it has gone meanwhile. */
  async function logFrames(id: string, query: { tail: number; since?: string; timestamps: boolean }): Promise<LogFrame[]> {
    try {
      const options = { stdout: true, stderr: true, follow: false, ...query } as const;
      const buffer = (await docker.getContainer(id).logs(options)) as unknown as Buffer;
      return await collectFrames(Buffer.isBuffer(buffer) ? buffer : Buffer.from(buffer));
    } catch (error) {
      if (isNotFound(error)) return [];
      throw new Error(engineMessage(error), { cause: error });
    }
  }

  /** The whole log as a stream (dockerode streams only a followed log, which would never end). */
  function wholeLog(id: string): Promise<AsyncIterable<Buffer>> {
    return new Promise((resolve, reject) =>
      docker.modem.dial(
        {
          path: `/containers/${id}/logs?`,
          method: "GET",
          isStream: true,
          statusCodes: { 200: true, 404: "no such container", 500: "server error" },
          options: { stdout: true, stderr: true, timestamps: true, follow: false },
        },
        (error, stream) => (error ? reject(new Error(engineMessage(error), { cause: error })) : resolve(stream as AsyncIterable<Buffer>)),
      ),
    );
  }

  /** Waits for the exec's stream to end (true) or `timeoutMs` to pass (false). */
  function streamEnd(stream: NodeJS.ReadableStream, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      stream.once("end", done);
      stream.once("close", done);
      stream.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  async function execIn(id: string, argv: string[], timeoutMs: number): Promise<ExecResult> {
    const ex = await docker.getContainer(id).exec({ Cmd: argv, AttachStdout: true, AttachStderr: true });
    const stream = await ex.start({ hijack: true, stdin: false });
    const out = outputTail();
    docker.modem.demuxStream(stream, out.sink, out.sink);
    const ended = await streamEnd(stream, timeoutMs).finally(() => stream.destroy());
    // A process still running past the timeout is left to die with its container.
    if (!ended) return { exitCode: null, output: out.text() };
    // The exit code is recorded a moment after the output's stream closes.
    for (let i = 0; i < 40; i++) {
      const state = await ex.inspect();
      if (!state.Running && state.ExitCode !== null) return { exitCode: state.ExitCode, output: out.text() };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { exitCode: null, output: out.text() };
  }

  return {
    probe: () => checkDockerEngine(docker),

    async ensureImage(image) {
      try {
        await docker.getImage(image).inspect();
        return;
      } catch (error) {
        if (!isNotFound(error)) throw new Error(engineMessage(error));
      }
      try {
        await pull(image);
      } catch (error) {
        // The registry's own words go to the log with the cause; the message names only the image.
        throw imagePullFailed(image, error);
      }
    },

    async recreate(spec: ContainerSpec) {
      // The name may belong to someone else's container: look before removing anything.
      const holder = await holderOf(spec.name);
      if (holder && holder.Config.Labels?.[OWNER_LABEL] !== spec.workloadId) throw containerNameTaken(spec.name);
      // Every container of this workload goes, also one under an older naming scheme.
      await removeOwned(spec);
      const exposed = Object.fromEntries(spec.ports.map((p) => [`${p.containerPort}/${p.protocol}`, {}]));
      const bindings: Record<string, { HostPort: string }[]> = {};
      for (const p of spec.ports) (bindings[`${p.containerPort}/${p.protocol}`] ??= []).push({ HostPort: String(p.hostPort) });
      try {
        const created = await docker.createContainer({
          name: spec.name,
          ...processOf(spec),
          Labels: { ...spec.labels, [OWNER_LABEL]: spec.workloadId },
          ExposedPorts: exposed,
          HostConfig: {
            Mounts: mountsOf(spec.mounts),
            PortBindings: bindings,
            RestartPolicy: { Name: spec.restartPolicy === "no" ? "" : spec.restartPolicy },
            NetworkMode: opts.networkMode,
          },
        });
        await created.start();
        return { id: created.id };
      } catch (error) {
        throw new Error(engineMessage(error));
      }
    },

    async start(ref) {
      const c = await current(ref);
      if (!c) throw new Error(`the workload has no container (deploy it)`);
      try {
        await docker.getContainer(c.Id).start();
      } catch (error) {
        if (!isNotModified(error)) throw new Error(engineMessage(error));
      }
    },

    async stop(ref) {
      for (const c of await owned(ref)) {
        try {
          await docker.getContainer(c.Id).stop({ t: 10 });
        } catch (error) {
          if (!isNotFound(error) && !isNotModified(error)) throw new Error(engineMessage(error));
        }
      }
    },

    remove: removeOwned,

    async inspect(ref): Promise<ContainerState> {
      try {
        const c = await current(ref);
        if (!c) return { state: "missing" };
        return stateOf((await docker.getContainer(c.Id).inspect()).State);
      } catch (error) {
        if (isNotFound(error)) return { state: "missing" };
        // Docker's text names host paths (its socket): clients get a code, the log the text.
        logger.debug({ err: error }, "container inspect failed");
        return { state: "unreachable", reason: unreachableReason(error) };
      }
    },

    async logs(ref, { tail, since }) {
      const c = await current(ref);
      if (!c) return [];
      const after = since === undefined ? undefined : normalizeLogTime(since);
      if (after === null) throw new Error(`not a log time: ${since}`);
      const lines = linesOf(await logFrames(c.Id, { tail, timestamps: true, ...(after ? { since: dockerTimestamp(after) } : {}) }));
      // Docker's `since` keeps lines of that very time: the caller has them already.
      return after ? lines.filter((line) => line.time > after) : lines;
    },

    async downloadLogs(ref, { maxBytes }) {
      const c = await current(ref);
      if (!c) return null;
      const source = await wholeLog(c.Id);
      const newest = newestLines(maxBytes);
      // One pass: the log is read once into a ring of its newest whole lines (at most maxBytes), then sent.
      // A second read could be longer, or empty after a rotation; this one cannot disagree with itself.
      async function* body() {
        for await (const frame of demuxFrames(source)) newest.push(frame.payload);
        yield* newest.drain();
      }
      const lines = body();
      const stop = () => (source as unknown as { destroy?: () => void }).destroy?.();
      return {
        body: {
          [Symbol.asyncIterator]: () => ({
            next: () => lines.next(),
            // A reader that leaves before the first chunk: the generator never ran, its stream must still close.
            return: async (value?: unknown) => {
              stop();
              return lines.return(value as undefined);
            },
          }),
        },
        get truncated() {
          return newest.truncated;
        },
      };
    },

    async stats(ref) {
      const c = await current(ref);
      if (!c) return null;
      const container = docker.getContainer(c.Id);
      try {
        const info = await container.inspect();
        const base = { restartCount: info.RestartCount, startedAt: realTime(info.State.StartedAt) };
        if (!info.State.Running) {
          return {
            ...base,
            running: false,
            cpuPercent: null,
            memoryBytes: null,
            memoryLimitBytes: null,
            finishedAt: realTime(info.State.FinishedAt),
          };
        }
        const sample = await container.stats({ stream: false });
        return {
          ...base,
          running: true,
          cpuPercent: cpuPercentOf(sample),
          memoryBytes: memoryOf(sample),
          memoryLimitBytes: sample.memory_stats?.limit ?? null,
          finishedAt: null,
        };
      } catch (error) {
        if (isNotFound(error)) return null;
        throw new Error(engineMessage(error), { cause: error });
      }
    },

    async mountedFolders() {
      let list: Docker.ContainerInfo[];
      try {
        list = await docker.listContainers({ all: true, filters: { label: [OWNER_LABEL] } });
      } catch (error) {
        throw new Error(engineMessage(error), { cause: error });
      }
      return list.map((c) => ({
        workloadId: c.Labels[OWNER_LABEL] ?? "",
        sources: (c.Mounts ?? []).filter((m) => m.Type === "bind").map((m) => m.Source),
      }));
    },

    async volumeLabels(name) {
      try {
        return (await docker.getVolume(name).inspect()).Labels ?? {};
      } catch (error) {
        if (isNotFound(error)) return null;
        throw new Error(engineMessage(error));
      }
    },

    async createVolume(name, labels) {
      try {
        await docker.createVolume({ Name: name, Labels: labels });
      } catch (error) {
        throw new Error(engineMessage(error));
      }
    },

    async runSandbox(spec) {
      if (await holderOf(spec.name)) throw containerNameTaken(spec.name);
      try {
        const created = await docker.createContainer({
          name: spec.name,
          ...processOf(spec),
          // Not the owner label: nothing that manages workloads (deploy, start, the boot checks) sees a sandbox.
          Labels: { [SANDBOX_LABEL]: spec.testRestoreId },
          HostConfig: {
            Mounts: mountsOf(spec.mounts),
            // A restored copy of live data must not reach the services the live workload talks to.
            NetworkMode: "none",
            RestartPolicy: { Name: "" },
            // A check runs beside the live workloads: it gains no privileges and cannot starve the host.
            SecurityOpt: ["no-new-privileges"],
            PidsLimit: SANDBOX_PIDS_LIMIT,
            Memory: SANDBOX_MEMORY_BYTES,
          },
        });
        await created.start();
      } catch (error) {
        throw new Error(engineMessage(error), { cause: error });
      }
    },

    async exec(name, argv, opts) {
      const info = await sandbox(name);
      if (!info) throw new Error(`there is no sandbox container named ${name}`);
      try {
        return await execIn(info.Id, argv, opts.timeoutMs);
      } catch (error) {
        throw new Error(engineMessage(error), { cause: error });
      }
    },

    async sandboxState(name) {
      const info = await sandbox(name);
      return info ? stateOf(info.State) : { state: "missing" };
    },

    async sandboxLogs(name, tail) {
      const info = await sandbox(name);
      if (!info) return "";
      const frames = await logFrames(info.Id, { tail, timestamps: false });
      return Buffer.concat(frames.map((f) => f.payload)).toString("utf8");
    },

    async removeSandbox(name) {
      const info = await sandbox(name);
      if (!info) return;
      try {
        await docker.getContainer(info.Id).remove({ force: true });
      } catch (error) {
        if (!isNotFound(error)) throw new Error(engineMessage(error), { cause: error });
      }
    },

    async listSandboxes() {
      try {
        const list = await docker.listContainers({ all: true, filters: { label: [SANDBOX_LABEL] } });
        return list.map((c) => c.Labels[SANDBOX_LABEL] ?? "").filter((id) => id !== "");
      } catch (error) {
        throw new Error(engineMessage(error), { cause: error });
      }
    },
  };
}
