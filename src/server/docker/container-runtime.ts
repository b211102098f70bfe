import type Docker from "dockerode";
import type { ContainerRuntime, ContainerSpec, ContainerState } from "../engine/container-runtime";

const isNotFound = (error: unknown) => (error as { statusCode?: number }).statusCode === 404;
const isNotModified = (error: unknown) => (error as { statusCode?: number }).statusCode === 304;

/** dockerode's errors carry the engine's JSON reply; keep just its message. */
function engineMessage(error: unknown): string {
  const e = error as { json?: { message?: string }; reason?: string; message?: string };
  return e.json?.message ?? e.reason ?? e.message ?? String(error);
}

/** Docker's multiplexed log stream: 8-byte frame headers, then the payload. */
function demuxLogs(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length && buffer[offset + 1] === 0 && buffer[offset + 2] === 0 && buffer[offset + 3] === 0) {
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return offset === 0 ? buffer.toString("utf8") : Buffer.concat(parts).toString("utf8");
}

export function createDockerRuntime(docker: Docker, opts: { networkMode: string }): ContainerRuntime {
  const container = (name: string) => docker.getContainer(name);

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

  return {
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
        throw new Error(`image ${image} is not on this host and could not be pulled (${engineMessage(error)})`);
      }
    },

    async recreate(spec: ContainerSpec) {
      await this.remove(spec.name);
      const exposed = Object.fromEntries(spec.ports.map((p) => [`${p.containerPort}/${p.protocol}`, {}]));
      const bindings: Record<string, { HostPort: string }[]> = {};
      for (const p of spec.ports) (bindings[`${p.containerPort}/${p.protocol}`] ??= []).push({ HostPort: String(p.hostPort) });
      try {
        const created = await docker.createContainer({
          name: spec.name,
          Image: spec.image,
          Cmd: spec.command.length > 0 ? spec.command : undefined,
          Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
          Labels: spec.labels,
          ExposedPorts: exposed,
          HostConfig: {
            Binds: spec.binds,
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

    async start(name) {
      try {
        await container(name).start();
      } catch (error) {
        if (!isNotModified(error)) throw new Error(engineMessage(error));
      }
    },

    async stop(name) {
      try {
        await container(name).stop({ t: 10 });
      } catch (error) {
        if (!isNotFound(error) && !isNotModified(error)) throw new Error(engineMessage(error));
      }
    },

    async remove(name) {
      try {
        await container(name).remove({ force: true });
      } catch (error) {
        if (!isNotFound(error)) throw new Error(engineMessage(error));
      }
    },

    async inspect(name): Promise<ContainerState> {
      try {
        const info = await container(name).inspect();
        const s = info.State;
        if (s.Running) return { state: "running", startedAt: s.StartedAt };
        if (s.Status === "exited") return { state: "exited", exitCode: s.ExitCode, finishedAt: s.FinishedAt };
        return { state: s.Status as "created" | "paused" | "restarting" | "removing" | "dead" };
      } catch (error) {
        if (isNotFound(error)) return { state: "missing" };
        return { state: "unreachable", reason: engineMessage(error) };
      }
    },

    async logs(name, tail) {
      try {
        const buffer = (await container(name).logs({ stdout: true, stderr: true, tail, follow: false, timestamps: false })) as unknown as Buffer;
        return demuxLogs(Buffer.isBuffer(buffer) ? buffer : Buffer.from(buffer));
      } catch (error) {
        if (isNotFound(error)) return "";
        throw new Error(engineMessage(error));
      }
    },
  };
}
