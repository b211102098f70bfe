import type { Db } from "../../db";
import type { Prisma } from "~/generated/prisma/client";
import type { OperationHandle } from "../operations";

/** How long one phase of a restore took. */
export interface PhaseTime {
  phase: string;
  ms: number;
}

const parsePhases = (json: string): PhaseTime[] => {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? (value as PhaseTime[]) : [];
  } catch {
    return [];
  }
};

/** A workload's restore history, newest first, with how each one ended and where its time went. */
export async function listRestoreRuns(db: Db, workloadId: string, limit = 50) {
  const rows = await db.restoreRun.findMany({ where: { workloadId }, orderBy: { startedAt: "desc" }, take: limit });
  return rows.map((row) => ({ ...row, phases: parsePhases(row.phases) }));
}

/**
 * The phases of one run as they happen: entering a phase records how long the previous one
 * took (on the run's row and on the progress stream), together with any other field given.
 */
export function phaseClock(db: Db, runId: string, op: OperationHandle | null) {
  let current: { phase: string; since: number } | null = null;
  const record = async (next: string | null, data: Prisma.RestoreRunUpdateInput) => {
    const now = Date.now();
    const row = await db.restoreRun.findUnique({ where: { id: runId }, select: { phases: true } });
    const phases = parsePhases(row?.phases ?? "[]");
    if (current) phases.push({ phase: current.phase, ms: now - current.since });
    current = next === null ? null : { phase: next, since: now };
    await db.restoreRun.updateMany({ where: { id: runId }, data: { ...data, ...(next ? { phase: next } : {}), phases: JSON.stringify(phases) } });
  };
  return {
    async enter(phase: string, data: Prisma.RestoreRunUpdateInput = {}) {
      op?.progress({ phase, bytesDone: 0, bytesTotal: 0 });
      await record(phase, data);
    },
    /** Closes the current phase; `data` is written with it. */
    async close(data: Prisma.RestoreRunUpdateInput = {}) {
      await record(null, data);
    },
  };
}

/** The undone run: its data is no longer live, and its undo copy will never be made. */
export async function markUndone(deps: { db: Db }, runId: string): Promise<void> {
  const run = await deps.db.restoreRun.findUnique({ where: { id: runId }, select: { startedAt: true, finishedAt: true } });
  const finished = run && !run.finishedAt ? { phase: "done", finishedAt: new Date(), durationMs: Date.now() - run.startedAt.getTime() } : {};
  await deps.db.restoreRun.updateMany({ where: { id: runId }, data: { undoCopy: "undone", ...finished } });
}
