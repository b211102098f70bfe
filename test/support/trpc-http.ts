import { execFileSync } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

/** A fresh API token for a running app, made with the CLI as an operator would. */
export function createApiToken(dataDir: string, role: "admin" | "viewer", name = `e2e-${role}`): string {
  return execFileSync(path.join(root, "bin/berth.mjs"), ["token", "create", "--name", name, "--role", role], {
    env: { ...process.env, BERTH_DATA_DIR: dataDir, DATABASE_URL: "" },
    encoding: "utf8",
  }).trim();
}

/** Plain-fetch tRPC calls (superjson's `{ json }` envelope) with a bearer token, as a script would make them. */
export function trpcHttp(baseUrl: string, token: string) {
  const send = async <T>(procedure: string, init: RequestInit, query = ""): Promise<T> => {
    const res = await fetch(`${baseUrl}/api/trpc/${procedure}${query}`, {
      ...init,
      headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...init.headers },
    });
    const body = (await res.json()) as { result?: { data: { json: T } }; error?: unknown };
    if (!res.ok) throw new Error(`${procedure}: ${res.status} ${JSON.stringify(body.error)}`);
    return body.result!.data.json;
  };
  return {
    mutate: <T>(procedure: string, input: unknown) => send<T>(procedure, { method: "POST", body: JSON.stringify({ json: input }) }),
    query: <T>(procedure: string, input: unknown) =>
      send<T>(procedure, {}, `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`),
  };
}

type Mutate = <T>(procedure: string, input: unknown) => Promise<T>;

/** A project with a `production` stage and a sleeping workload whose one stage volume is at /data. */
export async function createDataWorkload(
  mutate: Mutate,
  names: { project: string; name: string; source: string; image: string },
): Promise<string> {
  const project = await mutate<{ id: string }>("project.create", { slug: names.project });
  const stage = await mutate<{ id: string }>("stage.create", { projectId: project.id, slug: "production" });
  const workload = await mutate<{ id: string }>("workload.create", {
    projectId: project.id,
    stageId: stage.id,
    name: names.name,
    image: names.image,
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"],
    volumes: [{ target: "/data", scope: "stage", source: names.source }],
  });
  return workload.id;
}
