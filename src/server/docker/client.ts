/**
 * The dockerode client behind the engine's ContainerRuntime port (./container-runtime.ts):
 * one per process, built by the composition root from DOCKER_HOST, plus the health probe.
 *
 * Keep this module framework-free: no Next, tRPC, next-auth or `server-only` imports.
 * It is loaded by the Next server, the CLI and the test runner alike.
 */
import Docker from "dockerode";
import type { RuntimeStatus } from "~/server/engine/container-runtime";

const DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";

/** How long a health probe may take before the engine is reported unreachable. */
const DOCKER_PROBE_TIMEOUT_MS = 2_000;

export type DockerEndpoint = { kind: "unix"; socketPath: string } | { kind: "tcp"; host: string; port: number; protocol: "http" | "https" };

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
  { timeoutMs = DOCKER_PROBE_TIMEOUT_MS }: { timeoutMs?: number } = {},
): Promise<RuntimeStatus> {
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
    const version = (docker.version as (opts: { abortSignal: AbortSignal }) => Promise<Docker.DockerVersion>).call(docker, {
      abortSignal: controller.signal,
    });
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
