import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "~/generated/prisma/client";
import { databaseUrl, restrictDataDir } from "./database-url";

export type Db = PrismaClient;

export function createDb(url = databaseUrl()): Db {
  restrictDataDir(undefined, url);
  return new PrismaClient({ adapter: new PrismaBetterSQLite3({ url }) });
}

// One client per process; the global survives Next's dev-mode module reloads.
const globalForDb = globalThis as unknown as { berthDb?: Db };
export const db: Db = globalForDb.berthDb ?? createDb();
if (process.env.NODE_ENV !== "production") globalForDb.berthDb = db;
