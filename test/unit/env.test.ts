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

  it.each([
    ["/", /is the host's root folder/],
    ["/etc", /overlaps the system folder \/etc/],
    ["/proc/1", /overlaps the system folder \/proc/],
    ["/var/run", /overlaps the system folder/],
    ["/run/docker", /overlaps the system folder \/run/],
    ["/sys", /overlaps the system folder \/sys/],
    ["/dev", /overlaps the system folder \/dev/],
    ["/var/lib/docker/volumes", /overlaps the system folder \/var\/lib\/docker/],
    ["/var", /overlaps the system folder \/var\/lib\/docker/],
  ])("refuses BERTH_ABSOLUTE_ROOTS=%s", (roots, reason) => {
    const res = loadEnv({ NEXTAUTH_SECRET: "x".repeat(40), BERTH_ABSOLUTE_ROOTS: roots, BERTH_DATA_DIR: "/tmp/berth-env-test-data" });
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/Invalid Berth configuration:[\s\S]*BERTH_ABSOLUTE_ROOTS/);
    expect(res.stderr).toMatch(reason);
  });

  it("refuses an absolute root that holds, or lies in, Berth's data folder", () => {
    const holds = loadEnv({ NEXTAUTH_SECRET: "x".repeat(40), BERTH_DATA_DIR: "/srv/berth/data", BERTH_ABSOLUTE_ROOTS: "/srv" });
    expect(holds.stderr).toMatch(/\/srv contains Berth's data folder/);
    const inside = loadEnv({
      NEXTAUTH_SECRET: "x".repeat(40),
      BERTH_DATA_DIR: "/srv/berth/data",
      BERTH_ABSOLUTE_ROOTS: "/srv/media:/srv/berth/data/snapshots",
    });
    expect(inside.stderr).toMatch(/\/srv\/berth\/data\/snapshots is inside Berth's data folder/);
    expect(inside.stderr).not.toMatch(/\/srv\/media /);
    const fine = loadEnv({
      NEXTAUTH_SECRET: "x".repeat(40),
      BERTH_DATA_DIR: "/srv/berth/data",
      BERTH_ABSOLUTE_ROOTS: "/srv/media:/mnt/disk",
    });
    expect(fine.stderr).toBe("");
    expect(fine.status).toBe(0);
  });
});
