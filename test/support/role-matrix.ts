import { TRPCError } from "@trpc/server";
import { expect } from "vitest";
import { appRouter } from "~/server/api/root";
import { callerFor, type IdentityName } from "./identities";

export interface MatrixEntry {
  role: "VIEWER" | "ADMIN";
  /** A valid input; called afresh for each identity so destructive calls get their own target. */
  input: () => unknown | Promise<unknown>;
}

const allowed: Record<IdentityName, "VIEWER" | "ADMIN" | null> = {
  anonymous: null,
  revokedToken: null,
  viewer: "VIEWER",
  viewerToken: "VIEWER",
  admin: "ADMIN",
  adminToken: "ADMIN",
};

export const allProcedurePaths = () => Object.keys(appRouter._def.procedures).sort();

/** The snapshot procedures of off-host copies, verification and test restores: covered by test/integration/off-host-sftp.test.ts. */
export const OFF_HOST_SNAPSHOT_PROCEDURES = [
  "snapshot.copies",
  "snapshot.copy",
  "snapshot.fetchCopy",
  "snapshot.verify",
  "snapshot.testRestore",
  "snapshot.testRestores",
];

/** A workload's event history: covered by test/integration/workload-events.test.ts. */
export const WORKLOAD_EVENT_PROCEDURES = ["workload.events"];

/** Container stats (issue 17): covered by test/integration/container-stats.test.ts. */
export const CONTAINER_STATS_PROCEDURES = ["dashboard.containerStats", "workload.stats"];

async function call(headers: Record<string, string>, path: string, input: unknown) {
  const caller = await callerFor(headers);
  // A procedure by its dotted path: the caller's type has no index signature to walk.
  const fn = path
    .split(".")
    .reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, caller as never) as unknown as (
    input: unknown,
  ) => Promise<unknown>;
  try {
    return { ok: true as const, value: await fn(input) };
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    return { ok: false as const, code: error.code, message: error.message };
  }
}

/**
 * Calls every procedure as every identity: no identity → UNAUTHORIZED, a role below the
 * procedure's → FORBIDDEN, otherwise the call passes the auth layer (its own outcome is
 * returned for the caller to check).
 */
export async function runRoleMatrix(entries: Record<string, MatrixEntry>, identities: Record<IdentityName, Record<string, string>>) {
  const outcomes: Record<string, Record<IdentityName, { ok: boolean; code?: string }>> = {};
  for (const [path, entry] of Object.entries(entries)) {
    outcomes[path] = {} as Record<IdentityName, { ok: boolean; code?: string }>;
    for (const [name, headers] of Object.entries(identities) as [IdentityName, Record<string, string>][]) {
      const result = await call(headers, path, await entry.input());
      outcomes[path][name] = result;
      const role = allowed[name];
      const label = `${path} as ${name}`;
      if (role === null) expect(result, label).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
      else if (role === "VIEWER" && entry.role === "ADMIN") expect(result, label).toMatchObject({ ok: false, code: "FORBIDDEN" });
      else if (!result.ok) expect(["UNAUTHORIZED", "FORBIDDEN"], `${label}: ${result.message}`).not.toContain(result.code);
    }
  }
  return outcomes;
}
