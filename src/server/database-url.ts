import fs from "node:fs";
import path from "node:path";

// Shared by the app, the CLI and prisma.config.ts, which cannot go through the
// validated env module (the Prisma CLI loads its config before anything else).
export function dataDir(): string {
  // The data dir is runtime configuration: keep the bundler from tracing the project for it.
  return path.resolve(/*turbopackIgnore: true*/ process.env.BERTH_DATA_DIR || "./data");
}

export function databaseUrl(): string {
  return process.env.DATABASE_URL || `file:${path.join(dataDir(), "berth.db")}`;
}

/**
 * Only Berth's user may enter the data dir or read the database (password hashes, sealed
 * secrets, audit log): 0700 and 0600, applied to existing ones too. Called wherever the data
 * dir or the database is opened: prisma.config.ts (migrations), createDb (server, CLI).
 */
export function restrictDataDir(dir = dataDir(), url = databaseUrl()): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  if (!url.startsWith("file:")) return;
  const file = url.slice("file:".length);
  for (const suffix of ["", "-wal", "-shm", "-journal"]) {
    try {
      fs.chmodSync(file + suffix, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
}
