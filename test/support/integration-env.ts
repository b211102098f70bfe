// Vitest setup file for integration tests: every test file gets its own migrated SQLite
// database, created with the same `prisma migrate deploy` that `npm start` runs.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, inject } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-it-"));
process.env.BERTH_DATA_DIR = dataDir;
process.env.DATABASE_URL = `file:${path.join(dataDir, "berth.db")}`;
// The server's own adapters (engineDeps) talk to the private test engine, which has no bridge.
process.env.DOCKER_HOST = inject("dockerHost");
process.env.BERTH_DOCKER_NETWORK = "none";
execFileSync(path.join(root, "node_modules/.bin/prisma"), ["migrate", "deploy"], { cwd: root, stdio: "pipe" });

// A restore saves its undo copy in the background: nothing of one test may run into the next.
afterEach(async () => {
  const { engineDeps } = await import("~/server/engine-deps");
  await engineDeps.restores.settled();
});

afterAll(async () => {
  const { db } = await import("~/server/db");
  await db.$disconnect();
  fs.rmSync(dataDir, { recursive: true, force: true });
});
