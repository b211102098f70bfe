// A real, migrated SQLite database in a fresh data dir, for tests that need no Docker engine:
// the same `prisma migrate deploy` that `npm start` runs (as test/support/integration-env.ts does).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Db } from "~/server/db";

const root = path.resolve(import.meta.dirname, "../..");

export interface TestDatabase {
  db: Db;
  /** the data dir the database lives in; use it as the engine's dataDir */
  dataDir: string;
  /** Disconnects and deletes the data dir. */
  close(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-db-"));
  const url = `file:${path.join(dataDir, "berth.db")}`;
  // db.ts builds the process-wide client (and narrows its data dir) when first imported: point
  // it here, never at ./data.
  process.env.BERTH_DATA_DIR = dataDir;
  process.env.DATABASE_URL = url;
  execFileSync(path.join(root, "node_modules/.bin/prisma"), ["migrate", "deploy"], { cwd: root, stdio: "pipe", env: process.env });
  const { createDb } = await import("~/server/db");
  const db = createDb(url);
  return {
    db,
    dataDir,
    async close() {
      await db.$disconnect();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
