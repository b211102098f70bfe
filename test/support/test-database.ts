// A real, migrated SQLite database in a fresh data dir, made with the same `prisma migrate deploy`
// that `npm start` runs: for the integration setup (integration-env.ts) and tests without Docker.
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

/**
 * A fresh data dir with a migrated database, named by the environment (BERTH_DATA_DIR,
 * DATABASE_URL) as the server reads it: db.ts builds the process-wide client (and narrows its
 * data dir) when first imported, so it must never reach ./data.
 */
export function migrateFreshDataDir(prefix: string): { dataDir: string; url: string } {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const url = `file:${path.join(dataDir, "berth.db")}`;
  process.env.BERTH_DATA_DIR = dataDir;
  process.env.DATABASE_URL = url;
  execFileSync(path.join(root, "node_modules/.bin/prisma"), ["migrate", "deploy"], { cwd: root, stdio: "pipe", env: process.env });
  return { dataDir, url };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const { dataDir, url } = migrateFreshDataDir("berth-db-");
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
