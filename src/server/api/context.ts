import { randomUUID } from "node:crypto";
import { db } from "../db";
import { authenticateRequest } from "../auth/request-actor";

export async function createTRPCContext(opts: { headers: Headers }) {
  const auth = await authenticateRequest(db, opts.headers);
  return { db, auth, headers: opts.headers, requestId: randomUUID() };
}

export type TRPCContext = Awaited<ReturnType<typeof createTRPCContext>>;
