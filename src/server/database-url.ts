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
