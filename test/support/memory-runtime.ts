// An in-memory ContainerRuntime for fast tests of the engine's workload rules: it keeps what
// the Docker adapter (src/server/docker/container-runtime.ts) would leave in the engine, and
// answers the same way, with no engine at all. The real-engine tests cover the adapter itself.
import {
  type ContainerMount,
  type ContainerRef,
  type ContainerRuntime,
  type ContainerSpec,
  type ContainerState,
  type ContainerStats,
  containerNameTaken,
  type ExecResult,
  imagePullFailed,
  type LogDownload,
  type LogLine,
  type LogQuery,
  type RuntimeStatus,
  type SandboxSpec,
} from "~/server/engine/container-runtime";

export interface MemoryContainer {
  id: string;
  name: string;
  /** the berth.workload label; undefined for a container Berth did not create */
  workloadId?: string;
  /** the berth.test-restore label: a test restore's sandbox */
  testRestoreId?: string;
  image: string;
  env: Record<string, string>;
  mounts: ContainerMount[];
  state: "running" | "exited";
  exitCode: number;
  /** what `docker logs --timestamps` would print: lines of `<RFC 3339 time> <text>` (a line without a time gets START_TIME) */
  logs: string;
  /** what `stats` reports while it runs */
  usage: { cpuPercent: number; memoryBytes: number; memoryLimitBytes: number };
  restartCount: number;
}

/** When every memory container started (and stopped, once stopped). */
export const START_TIME = "2026-01-01T00:00:00.000000000Z";

type Method = Exclude<keyof ContainerRuntime, "probe">;

/** What dockerode rejects with when the socket does not answer (publicMessage and unreachableReason read `syscall`). */
export const connectError = () =>
  Object.assign(new Error("connect ECONNREFUSED /var/run/docker.sock"), { code: "ECONNREFUSED", syscall: "connect" });

export class MemoryRuntime implements ContainerRuntime {
  readonly containers: MemoryContainer[] = [];
  /** images on this "host"; nothing can be pulled */
  readonly images = new Set<string>();
  /** named volumes and their labels */
  readonly volumes = new Map<string, Record<string, string>>();
  /** while false, every call rejects with connectError() and probe() says unreachable */
  reachable = true;
  /** What `exec` in a sandbox answers; a test sets it (the default: exit 0, no output). */
  execAnswer: (container: MemoryContainer, argv: string[]) => ExecResult = () => ({ exitCode: 0, output: "" });
  private readonly failures = new Map<Method, Error>();
  private nextId = 0;

  constructor(images: string[] = []) {
    for (const image of images) this.images.add(image);
  }

  /** The next call of `method` rejects with `error`, then the runtime behaves again. */
  failNext(method: Method, error: Error = connectError()): void {
    this.failures.set(method, error);
  }

  /** A container someone else started under `name` (no berth.workload label). */
  addForeignContainer(name: string): MemoryContainer {
    return this.add({ name, image: "other", env: {}, mounts: [] });
  }

  /** Containers Berth created for the workload (found by label, as the adapter does). */
  owned(workloadId: string): MemoryContainer[] {
    return this.containers.filter((c) => c.workloadId === workloadId);
  }

  private enter(method: Method): void {
    if (!this.reachable) throw connectError();
    const failure = this.failures.get(method);
    if (failure) {
      this.failures.delete(method);
      throw failure;
    }
  }

  private current(ref: ContainerRef): MemoryContainer | undefined {
    const list = this.owned(ref.workloadId);
    return list.find((c) => c.name === ref.name) ?? list[0];
  }

  async probe(): Promise<RuntimeStatus> {
    if (!this.reachable) return { reachable: false, reason: "the memory runtime is down" };
    return { reachable: true, version: "memory", apiVersion: "1.0" };
  }

  async ensureImage(image: string): Promise<void> {
    this.enter("ensureImage");
    if (!this.images.has(image)) throw imagePullFailed(image);
  }

  async recreate(spec: ContainerSpec): Promise<{ id: string }> {
    this.enter("recreate");
    const holder = this.containers.find((c) => c.name === spec.name);
    if (holder && holder.workloadId !== spec.workloadId) throw containerNameTaken(spec.name);
    this.drop(spec.workloadId);
    const { id } = this.add({ name: spec.name, workloadId: spec.workloadId, image: spec.image, env: spec.env, mounts: spec.mounts });
    return { id };
  }

  async start(ref: ContainerRef): Promise<void> {
    this.enter("start");
    const c = this.current(ref);
    if (!c) throw new Error("the workload has no container (deploy it)");
    c.state = "running";
  }

  async stop(ref: ContainerRef): Promise<void> {
    this.enter("stop");
    for (const c of this.owned(ref.workloadId)) c.state = "exited";
  }

  async remove(ref: ContainerRef): Promise<void> {
    this.enter("remove");
    this.drop(ref.workloadId);
  }

  async inspect(ref: ContainerRef): Promise<ContainerState> {
    this.enter("inspect");
    const c = this.current(ref);
    if (!c) return { state: "missing" };
    return c.state === "running"
      ? { state: "running", startedAt: "2026-01-01T00:00:00Z" }
      : { state: "exited", exitCode: c.exitCode, finishedAt: "2026-01-01T00:00:00Z" };
  }

  async logs(ref: ContainerRef, query: LogQuery): Promise<LogLine[]> {
    this.enter("logs");
    const lines = this.logLines(this.current(ref));
    // Docker takes the tail of the lines after `since`.
    return lines.filter((line) => query.since === undefined || line.time > query.since).slice(-query.tail);
  }

  async downloadLogs(ref: ContainerRef, opts: { maxBytes: number }): Promise<LogDownload | null> {
    this.enter("downloadLogs");
    const c = this.current(ref);
    if (!c) return null;
    const text = Buffer.from(
      this.logLines(c)
        .map((line) => `${line.time} ${line.text}\n`)
        .join(""),
    );
    const body = text.subarray(Math.max(0, text.length - opts.maxBytes));
    return {
      body: (async function* () {
        yield body;
      })(),
      truncated: body.length < text.length,
    };
  }

  async stats(ref: ContainerRef): Promise<ContainerStats | null> {
    this.enter("stats");
    const c = this.current(ref);
    if (!c) return null;
    const running = c.state === "running";
    return {
      running,
      cpuPercent: running ? c.usage.cpuPercent : null,
      memoryBytes: running ? c.usage.memoryBytes : null,
      memoryLimitBytes: running ? c.usage.memoryLimitBytes : null,
      restartCount: c.restartCount,
      startedAt: START_TIME,
      finishedAt: running ? null : START_TIME,
    };
  }

  async mountedFolders(): Promise<{ workloadId: string; sources: string[] }[]> {
    this.enter("mountedFolders");
    return this.containers.flatMap((c) =>
      c.workloadId === undefined
        ? []
        : [{ workloadId: c.workloadId, sources: c.mounts.filter((m) => m.type === "bind").map((m) => m.source) }],
    );
  }

  async volumeLabels(name: string): Promise<Record<string, string> | null> {
    this.enter("volumeLabels");
    return this.volumes.get(name) ?? null;
  }

  async createVolume(name: string, labels: Record<string, string>): Promise<void> {
    this.enter("createVolume");
    this.volumes.set(name, labels);
  }

  async runSandbox(spec: SandboxSpec): Promise<void> {
    this.enter("runSandbox");
    if (this.containers.some((c) => c.name === spec.name)) throw containerNameTaken(spec.name);
    const { testRestoreId, name, image, env, mounts } = spec;
    this.add({ name, testRestoreId, image, env, mounts });
  }

  async exec(name: string, argv: string[]): Promise<ExecResult> {
    this.enter("exec");
    const c = this.sandbox(name);
    // What Docker answers (409) for a stopped container.
    if (c?.state !== "running") throw new Error(`container ${name} is not running`);
    return this.execAnswer(c, argv);
  }

  async sandboxState(name: string): Promise<ContainerState> {
    this.enter("sandboxState");
    const c = this.sandbox(name);
    if (!c) return { state: "missing" };
    return c.state === "running"
      ? { state: "running", startedAt: "2026-01-01T00:00:00Z" }
      : { state: "exited", exitCode: c.exitCode, finishedAt: "2026-01-01T00:00:00Z" };
  }

  async sandboxLogs(name: string, tail: number): Promise<string> {
    this.enter("sandboxLogs");
    return (this.sandbox(name)?.logs ?? "")
      .split(/(?<=\n)/)
      .slice(-tail)
      .join("");
  }

  async removeSandbox(name: string): Promise<void> {
    this.enter("removeSandbox");
    const c = this.sandbox(name);
    if (c) this.containers.splice(this.containers.indexOf(c), 1);
  }

  async listSandboxes(): Promise<string[]> {
    this.enter("listSandboxes");
    return this.containers.flatMap((c) => (c.testRestoreId === undefined ? [] : [c.testRestoreId]));
  }

  /** Found by name and label, as the adapter does: a workload's container of that name is not a sandbox. */
  private sandbox(name: string): MemoryContainer | undefined {
    return this.containers.find((c) => c.name === name && c.testRestoreId !== undefined);
  }

  /** A new, running container. */
  private add(c: Pick<MemoryContainer, "name" | "workloadId" | "testRestoreId" | "image" | "env" | "mounts">): MemoryContainer {
    const container: MemoryContainer = {
      ...c,
      id: `c${++this.nextId}`,
      state: "running",
      exitCode: 0,
      logs: "",
      usage: { cpuPercent: 0, memoryBytes: 0, memoryLimitBytes: 0 },
      restartCount: 0,
    };
    this.containers.push(container);
    return container;
  }

  /** The container's log as Docker would give it with timestamps, all on stdout. */
  private logLines(c: MemoryContainer | undefined): LogLine[] {
    return (c?.logs ?? "")
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => {
        const [, time, text] = /^(\d{4}-\d{2}-\d{2}T\S+Z) (.*)$/.exec(line) ?? [];
        return time === undefined ? { time: START_TIME, stream: "stdout", text: line } : { time, stream: "stdout", text: text ?? "" };
      });
  }

  private drop(workloadId: string): void {
    for (const c of this.owned(workloadId)) this.containers.splice(this.containers.indexOf(c), 1);
  }
}
