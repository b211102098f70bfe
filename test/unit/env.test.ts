import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

// Loads src/env.ts in a fresh process, as the server does at start.
function loadEnv(env: Record<string, string | undefined>) {
  const clean = { ...process.env };
  delete clean.NEXTAUTH_SECRET;
  return spawnSync(process.execPath, ["--import", "tsx", "-e", "await import('./src/env.ts')"], {
    cwd: root,
    env: { ...clean, ...env } as NodeJS.ProcessEnv,
    encoding: "utf8",
  });
}

describe("environment validation", () => {
  it("names a missing required setting", () => {
    const res = loadEnv({});
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/Invalid Berth configuration:[\s\S]*NEXTAUTH_SECRET/);
  });

  it("names every bad setting at once", () => {
    const res = loadEnv({ NEXTAUTH_SECRET: "short", LOG_LEVEL: "loud", BERTH_ADMIN_EMAIL: "nope" });
    expect(res.status).not.toBe(0);
    for (const name of ["NEXTAUTH_SECRET", "LOG_LEVEL", "BERTH_ADMIN_EMAIL"]) expect(res.stderr).toContain(name);
  });

  it("accepts a valid configuration", () => {
    const res = loadEnv({ NEXTAUTH_SECRET: "x".repeat(40), LOG_LEVEL: "warn" });
    expect(res.stderr).toBe("");
    expect(res.status).toBe(0);
  });
});
