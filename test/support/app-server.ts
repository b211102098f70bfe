import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { inject } from "vitest";
import { freePort } from "./free-port";

export { freePort };

export interface AppServer {
  url: string;
  dataDir: string;
  admin: { email: string; password: string };
  logs: () => string;
  /** Stops the server; its data dir is deleted unless `keepData` (to boot again on it). */
  stop: (options?: { keepData?: boolean }) => Promise<void>;
}

const root = path.resolve(import.meta.dirname, "../..");

/**
 * Starts the production server exactly as `npm start` does (migrations, first-admin seed,
 * `next start`) on a free port with its own data dir, against the private Docker engine. The build must already exist
 * (scripts/test.sh runs `node scripts/start.mjs --build-only`).
 */
export async function startAppServer(extraEnv: Record<string, string> = {}, options: { dataDir?: string } = {}): Promise<AppServer> {
  const dataDir = options.dataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), "berth-app-")));
  const port = await freePort();
  const admin = { email: "admin@berth.test", password: "correct-horse-battery" };
  let output = "";
  const child: ChildProcess = spawn(process.execPath, [path.join(root, "scripts/start.mjs")], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(port),
      HOST: "127.0.0.1",
      BERTH_DATA_DIR: dataDir,
      DATABASE_URL: "",
      NEXTAUTH_SECRET: "test-secret-test-secret-test-secret-0123456789",
      NEXTAUTH_URL: "",
      BERTH_ADMIN_EMAIL: admin.email,
      BERTH_ADMIN_PASSWORD: admin.password,
      LOG_LEVEL: "warn",
      // the private test engine from global-setup.ts; it has no bridge network
      DOCKER_HOST: inject("dockerHost"),
      BERTH_DOCKER_NETWORK: "none",
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`app server exited early:\n${output}`);
    try {
      if ((await fetch(`${url}/api/health`)).ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`app server did not become healthy:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }

  return {
    url,
    dataDir,
    admin,
    logs: () => output,
    async stop({ keepData = false } = {}) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
      if (!keepData) await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
