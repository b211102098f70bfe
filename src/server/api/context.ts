import { randomUUID } from "node:crypto";
import { engineDeps } from "../engine-deps";
import { authenticateRequest } from "../auth/request-actor";

export async function createTRPCContext(opts: { headers: Headers }) {
  const deps = engineDeps;
  const auth = await authenticateRequest(deps, opts.headers);
  return { deps, auth, headers: opts.headers, requestId: randomUUID() };
}

export type TRPCContext = Awaited<ReturnType<typeof createTRPCContext>>;
