// Vitest setup file for integration tests: every test file gets its own migrated SQLite
// database, created with the same `prisma migrate deploy` that `npm start` runs.
import fs from "node:fs";
import { afterAll, afterEach, inject } from "vitest";
import { migrateFreshDataDir } from "./test-database";

const { dataDir } = migrateFreshDataDir("berth-it-");
// The server's own adapters (engineDeps) talk to the private test engine, which has no bridge.
process.env.DOCKER_HOST = inject("dockerHost");
process.env.BERTH_DOCKER_NETWORK = "none";

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
