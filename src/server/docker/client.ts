import Docker from "dockerode";

/** `unix:///path`, `tcp://host:port` or nothing (the default socket). */
export function createDockerClient(dockerHost?: string): Docker {
  if (!dockerHost) return new Docker({ socketPath: "/var/run/docker.sock" });
  if (dockerHost.startsWith("unix://")) return new Docker({ socketPath: dockerHost.slice("unix://".length) });
  const url = new URL(dockerHost.replace(/^tcp:/, "http:"));
  return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: "http" });
}

export type DockerProbe = { reachable: true; version: string; apiVersion: string } | { reachable: false; reason: string };

export async function checkDockerEngine(docker: Docker, timeoutMs = 2000): Promise<DockerProbe> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const v = await Promise.race([docker.version(), timeout]);
    return { reachable: true, version: v.Version, apiVersion: v.ApiVersion };
  } catch (error) {
    return { reachable: false, reason: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
