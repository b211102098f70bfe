/**
 * The seam between Berth and the Docker engine. Everything that talks to dockerd goes
 * through here, so the rest of the server never builds dockerode options or parses API
 * payloads itself, and tests can run the same code against a private engine
 * (see test/support/docker-engine.ts).
 *
 * Keep this module framework-free: no Next, tRPC, next-auth or `server-only` imports.
 * It is loaded by the Next server, the CLI and the test runner alike.
 */
import Docker from "dockerode";

export const DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";

/** How long a health probe may take before the engine is reported unreachable. */
export const DOCKER_PROBE_TIMEOUT_MS = 2_000;

/**
 * Network mode for every container Berth starts unless told otherwise. The private test
 * engine runs with `--bridge=none`, so "bridge" would fail there.
 */
export const DEFAULT_NETWORK_MODE = "none";

export type DockerEndpoint =
  | { kind: "unix"; socketPath: string }
  | { kind: "tcp"; host: string; port: number; protocol: "http" | "https" };

/**
 * Parses a DOCKER_HOST-style address:
 *   - undefined / ""            -> unix:///var/run/docker.sock
 *   - unix:///path/docker.sock  -> that socket
 *   - /path/docker.sock         -> that socket (bare absolute path)
 *   - tcp://host:port           -> plain HTTP (port defaults to 2375)
 *   - http(s)://host:port       -> HTTP / HTTPS (ports default to 2375 / 2376)
 * Anything else (ssh://, npipe://) throws.
 */
export function parseDockerHost(dockerHost?: string): DockerEndpoint {
  const value = dockerHost?.trim();
  if (!value) return { kind: "unix", socketPath: DEFAULT_DOCKER_SOCKET };
  if (value.startsWith("/")) return { kind: "unix", socketPath: value };
  if (value.startsWith("unix://")) {
    const socketPath = value.slice("unix://".length);
    return { kind: "unix", socketPath: socketPath || DEFAULT_DOCKER_SOCKET };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`Invalid DOCKER_HOST "${value}": expected unix:///path/to/docker.sock or tcp://host:port`);
  }
  const scheme = url.protocol.replace(/:$/, "");
  if (scheme !== "tcp" && scheme !== "http" && scheme !== "https") {
    throw new Error(`Unsupported DOCKER_HOST scheme "${scheme}://" in "${value}": use unix:// or tcp://`);
  }
  if (!url.hostname) throw new Error(`Invalid DOCKER_HOST "${value}": missing host`);
  const protocol = scheme === "https" ? "https" : "http";
  const port = url.port ? Number(url.port) : protocol === "https" ? 2376 : 2375;
  // URL keeps the brackets of IPv6 literals; http.request wants them stripped.
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return { kind: "tcp", host, port, protocol };
}

/** The DOCKER_HOST string for an endpoint (e.g. to pass on to a child process). */
export function formatDockerHost(endpoint: DockerEndpoint): string {
  if (endpoint.kind === "unix") return `unix://${endpoint.socketPath}`;
  const host = endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host;
  return `${endpoint.protocol === "https" ? "https" : "tcp"}://${host}:${endpoint.port}`;
}

/**
 * A dockerode client for `dockerHost` (see parseDockerHost). Does not connect.
 * Every connection option is set explicitly: docker-modem otherwise merges in
 * process.env.DOCKER_HOST / DOCKER_CERT_PATH, and a tcp DOCKER_HOST in the environment
 * would silently win over an explicit socketPath.
 */
export function createDockerClient(dockerHost?: string): Docker {
  const endpoint = parseDockerHost(dockerHost);
  if (endpoint.kind === "unix") {
    return new Docker({
      socketPath: endpoint.socketPath,
      host: undefined,
      port: undefined,
      protocol: undefined,
      ca: undefined,
      cert: undefined,
      key: undefined,
    });
  }
  return new Docker({
    host: endpoint.host,
    port: endpoint.port,
    protocol: endpoint.protocol,
    ca: undefined,
    cert: undefined,
    key: undefined,
  });
}

export type DockerEngineStatus =
  | { reachable: true; version: string; apiVersion: string }
  | { reachable: false; reason: string };
/** Alias kept for existing callers. */
export type DockerProbe = DockerEngineStatus;

function describeSocketTarget(docker: Docker): string {
  const modem = (docker as unknown as { modem?: { socketPath?: unknown; host?: string; port?: unknown } }).modem;
  if (modem?.host) return `${modem.host}:${String(modem.port ?? "")}`;
  if (typeof modem?.socketPath === "string") return modem.socketPath;
  return "the Docker engine";
}

function reasonFromError(err: unknown, target: string): string {
  const e = err as { code?: string; message?: string; statusCode?: number; name?: string } | undefined;
  switch (e?.code) {
    case "ENOENT":
      return `Docker socket not found at ${target}`;
    case "EACCES":
    case "EPERM":
      return `Permission denied connecting to ${target}`;
    case "ECONNREFUSED":
      return `Connection refused by ${target}`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `Cannot resolve ${target}`;
    case "ETIMEDOUT":
      return `Timed out connecting to ${target}`;
  }
  if (e?.name === "AbortError" || e?.name === "TimeoutError") return `No answer from ${target}`;
  if (e?.statusCode) return `Docker engine at ${target} answered HTTP ${e.statusCode}: ${e.message ?? ""}`.trim();
  return e?.message ? `${e.message} (${target})` : `Cannot reach ${target}`;
}

/**
 * Probes the engine with GET /version. Never throws and never takes much longer than
 * `timeoutMs` (default 2 s), so it is safe to call from /api/health.
 */
export async function checkDockerEngine(
  docker: Docker,
  options: number | { timeoutMs?: number } = {},
): Promise<DockerEngineStatus> {
  const timeoutMs = (typeof options === "number" ? options : options.timeoutMs) ?? DOCKER_PROBE_TIMEOUT_MS;
  const target = describeSocketTarget(docker);
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(Object.assign(new Error("timeout"), { name: "TimeoutError" }));
    }, timeoutMs);
    timer.unref?.();
  });
  try {
    // dockerode accepts { abortSignal } here; @types/dockerode does not declare it.
    const version = (docker.version as (opts: { abortSignal: AbortSignal }) => Promise<Docker.DockerVersion>).call(
      docker,
      { abortSignal: controller.signal },
    );
    version.catch(() => {}); // the race below may leave it settling late
    const info = await Promise.race([version, timeout]);
    if (!info || typeof info.Version !== "string") {
      return { reachable: false, reason: `Unexpected /version answer from ${target}` };
    }
    return { reachable: true, version: info.Version, apiVersion: String(info.ApiVersion ?? "") };
  } catch (err) {
    if ((err as { name?: string })?.name === "TimeoutError") {
      return { reachable: false, reason: `No answer from ${target} within ${timeoutMs} ms` };
    }
    return { reachable: false, reason: reasonFromError(err, target) };
  } finally {
    clearTimeout(timer);
  }
}

export interface RunToCompletionOptions {
  image: string;
  cmd: string[];
  /** "host-path:container-path[:ro]" entries (HostConfig.Binds). */
  binds?: string[];
  name?: string;
  env?: string[];
  user?: string;
  workingDir?: string;
  labels?: Record<string, string>;
  /** Defaults to DEFAULT_NETWORK_MODE ("none"). */
  networkMode?: string;
  /** Kill the container and reject if it runs longer than this. No limit by default. */
  timeoutMs?: number;
}

export interface RunToCompletionResult {
  exitCode: number;
  /** stdout and stderr interleaved in the order the engine recorded them. */
  logs: string;
  stdout: string;
  stderr: string;
}

export interface DockerAdapter {
  /** The underlying dockerode client, for calls the adapter does not wrap yet. */
  readonly docker: Docker;
  /** Resolves when the engine answers /_ping; rejects otherwise. */
  ping(): Promise<void>;
  version(): Promise<{ version: string; apiVersion: string }>;
  /** Never throws; see checkDockerEngine. */
  check(options?: { timeoutMs?: number }): Promise<DockerEngineStatus>;
  /** create -> start -> wait -> logs -> remove (the container is removed even on failure). */
  runToCompletion(options: RunToCompletionOptions): Promise<RunToCompletionResult>;
}

/**
 * Splits Docker's multiplexed log stream (non-TTY containers): frames of an 8-byte
 * header [stream (0|1|2), 0, 0, 0, size (uint32 BE)] followed by `size` bytes. Input that
 * does not start with such a header (TTY containers) is returned as stdout.
 */
export function demuxDockerLogs(buf: Buffer): { stdout: string; stderr: string; combined: string } {
  const isHeader = (o: number) =>
    o + 8 <= buf.length && (buf[o] ?? 9) <= 2 && buf[o + 1] === 0 && buf[o + 2] === 0 && buf[o + 3] === 0;
  if (buf.length > 0 && !isHeader(0)) {
    const text = buf.toString("utf8");
    return { stdout: text, stderr: "", combined: text };
  }
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const all: Buffer[] = [];
  let offset = 0;
  while (isHeader(offset)) {
    const size = buf.readUInt32BE(offset + 4);
    const chunk = buf.subarray(offset + 8, offset + 8 + size);
    (buf[offset] === 2 ? err : out).push(chunk);
    all.push(chunk);
    offset += 8 + size;
  }
  return {
    stdout: Buffer.concat(out).toString("utf8"),
    stderr: Buffer.concat(err).toString("utf8"),
    combined: Buffer.concat(all).toString("utf8"),
  };
}

export function createDockerAdapter(dockerOrHost?: Docker | string): DockerAdapter {
  const docker = dockerOrHost instanceof Docker ? dockerOrHost : createDockerClient(dockerOrHost);

  return {
    docker,

    async ping() {
      await docker.ping();
    },

    async version() {
      const info = await docker.version();
      return { version: info.Version, apiVersion: info.ApiVersion };
    },

    check(options) {
      return checkDockerEngine(docker, options);
    },

    async runToCompletion(opts) {
      const container = await docker.createContainer({
        name: opts.name,
        Image: opts.image,
        Cmd: opts.cmd,
        Env: opts.env,
        User: opts.user,
        WorkingDir: opts.workingDir,
        Labels: opts.labels,
        Tty: false,
        AttachStdin: false,
        AttachStdout: false,
        AttachStderr: false,
        OpenStdin: false,
        HostConfig: {
          NetworkMode: opts.networkMode ?? DEFAULT_NETWORK_MODE,
          Binds: opts.binds ?? [],
          AutoRemove: false,
        },
      });
      let timer: NodeJS.Timeout | undefined;
      try {
        await container.start();
        const waited = container.wait() as Promise<{ StatusCode: number; Error?: { Message?: string } | null }>;
        let result: { StatusCode: number; Error?: { Message?: string } | null };
        if (opts.timeoutMs) {
          const limit = opts.timeoutMs;
          const timedOut = new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
              container.kill().catch(() => {});
              reject(new Error(`Container ${opts.name ?? container.id.slice(0, 12)} did not finish within ${limit} ms`));
            }, limit);
          });
          waited.catch(() => {});
          result = await Promise.race([waited, timedOut]);
        } else {
          result = await waited;
        }
        if (result.Error?.Message) throw new Error(`Waiting for container failed: ${result.Error.Message}`);
        const raw = (await container.logs({ stdout: true, stderr: true, follow: false })) as Buffer | string;
        const logs = demuxDockerLogs(Buffer.isBuffer(raw) ? raw : Buffer.from(raw));
        return { exitCode: result.StatusCode, logs: logs.combined, stdout: logs.stdout, stderr: logs.stderr };
      } finally {
        clearTimeout(timer);
        await container.remove({ force: true, v: true }).catch(() => {});
      }
    },
  };
}
