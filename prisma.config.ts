import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { databaseUrl, restrictDataDir } from "./src/server/database-url";

// The schema's env("DATABASE_URL") must resolve even when only BERTH_DATA_DIR is set.
process.env.DATABASE_URL ||= databaseUrl();
// SQLite cannot create the file inside a folder that does not exist yet; the folder is
// private before the database is created in it (createDb narrows the file itself).
restrictDataDir();

// The JS schema engine runs migrate deploy/diff/status offline: Prisma's native
// schema-engine binary would have to be downloaded, which this project never relies on.
export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  async adapter() {
    return new PrismaBetterSQLite3({ url: databaseUrl() });
  },
});
