import type { Db } from "~/server/db";
import { decodeReason, encodeReason } from "~/shared/encoded-reason";
import { isErrorReason, type ErrorParams, type ErrorReason } from "~/shared/error-reasons";
import type { Actor } from "../actor";
import type { EngineDeps } from "../deps";
import type { Prisma } from "~/generated/prisma/client";
import type { OperationHandle } from "../operations";
import type { RestorePhase } from "~/shared/restore";

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

/**
 * A failure as the run's `detail` keeps it: the reason and params (for the UI's language) with
 * the English message (for API clients), as JSON; a failure without a reason is its message.
 */
export const failureDetail = (failure: { message: string; reason?: ErrorReason; params?: ErrorParams }) =>
  failure.reason ? encodeReason({ reason: failure.reason, params: failure.params ?? {}, message: failure.message }) : failure.message;

/** `detail` as clients get it: a code ("redeploy-failed"…) or English text, plus the failure's reason and params. */
export function parseDetail(detail: string | null): { detail: string | null; detailReason: ErrorReason | null; detailParams: ErrorParams } {
  const failure = detail === null ? null : decodeReason(detail);
  if (failure && isErrorReason(failure.reason) && failure.message !== undefined) {
    return { detail: failure.message, detailReason: failure.reason, detailParams: failure.params ?? {} };
  }
  return { detail, detailReason: null, detailParams: {} };
}

/** A workload's restore history, newest first, with how each one ended and where its time went. */
export async function listRestoreRuns(deps: EngineDeps, _viewer: Actor, input: { workloadId: string; limit?: number }) {
  const { workloadId, limit = 50 } = input;
  const rows = await deps.db.restoreRun.findMany({ where: { workloadId }, orderBy: { startedAt: "desc" }, take: limit });
  return rows.map((row) => ({ ...row, ...parseDetail(row.detail), phases: parsePhases(row.phases) }));
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
    await db.restoreRun.updateMany({
      where: { id: runId },
      data: { ...data, ...(next ? { phase: next } : {}), phases: JSON.stringify(phases) },
    });
  };
  return {
    async enter(phase: RestorePhase, data: Prisma.RestoreRunUpdateInput = {}) {
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
  const finished =
    run && !run.finishedAt ? { phase: "done", finishedAt: new Date(), durationMs: Date.now() - run.startedAt.getTime() } : {};
  await deps.db.restoreRun.updateMany({ where: { id: runId }, data: { undoCopy: "undone", ...finished } });
}

// Every other write of a RestoreRun row, named by the step of the protocol it records (the
// row says only what is true on disk: the journal decides, the row follows).

/** A run starts: recorded before anything is touched. */
export async function createRun(db: Db, data: Prisma.RestoreRunUncheckedCreateInput): Promise<void> {
  await db.restoreRun.create({ data });
}

/** An undo done as a restore of the pre-restore snapshot names the run it undid. */
export async function linkUndo(db: Db, runId: string, undoOf: string): Promise<void> {
  await db.restoreRun.update({ where: { id: runId }, data: { undoOf } });
}

/** Recovery could not finish this journal; the next start retries. */
export async function markRecoveryFailed(db: Db, runId: string): Promise<void> {
  await db.restoreRun.updateMany({ where: { id: runId }, data: { detail: "recovery-failed" } });
}

/** A run that died before its journal existed: nothing was swapped. */
export async function markRolledBackAtBoot(db: Db, runId: string, detail: string | null): Promise<void> {
  await db.restoreRun.update({
    where: { id: runId },
    data: { outcome: "rolled-back-at-boot", phase: "done", finishedAt: new Date(), detail },
  });
}

/** The journal says DONE; true when the run had not been recorded as finished yet. */
export async function markDoneIfUnrecorded(db: Db, runId: string): Promise<boolean> {
  const unrecorded = await db.restoreRun.updateMany({
    where: { id: runId, finishedAt: null },
    data: { phase: "done", finishedAt: new Date() },
  });
  await db.restoreRun.updateMany({ where: { id: runId, outcome: null }, data: { outcome: "succeeded" } });
  return unrecorded.count > 0;
}

/** The journal says UP; true when the run had not been recorded as succeeded yet. */
export async function markUpIfUnrecorded(db: Db, runId: string): Promise<boolean> {
  const unrecorded = await db.restoreRun.updateMany({
    where: { id: runId, outcome: null },
    data: { outcome: "succeeded", undoCopy: "pending" },
  });
  return unrecorded.count > 0;
}

/** Rolling back at boot failed: the journal and the stopped workload stay. */
export async function markRollbackFailed(db: Db, runId: string): Promise<void> {
  await db.restoreRun.updateMany({
    where: { id: runId },
    data: { outcome: "failed", phase: "done", finishedAt: new Date(), detail: "rollback-failed" },
  });
}

/** Recovery finished the run forward (its undo copy still to save) or rolled it back. */
export async function markRecovered(db: Db, runId: string, input: { forward: boolean; redeployFailed: boolean }): Promise<void> {
  const outcome = input.forward ? "completed-at-boot" : "rolled-back-at-boot";
  const finished = input.forward ? { undoCopy: "pending" } : { phase: "done", finishedAt: new Date() };
  // A run the restore itself recorded as succeeded (its cleanup failed after COMMIT) stays so.
  const recorded = await db.restoreRun.findUnique({ where: { id: runId }, select: { outcome: true } });
  await db.restoreRun.updateMany({
    where: { id: runId },
    data: {
      ...(recorded?.outcome === "succeeded" ? {} : { outcome }),
      detail: input.redeployFailed ? "redeploy-failed" : null,
      ...finished,
    },
  });
}

/** The undo copy is durable and recorded (saved) or there was nothing to keep (none). */
export async function markUndoCopySaved(db: Db, runId: string, saved: boolean): Promise<void> {
  await db.restoreRun.updateMany({
    where: { id: runId, undoCopySavedAt: null },
    data: { undoCopy: saved ? "saved" : "none", undoCopySavedAt: new Date() },
  });
}

/** Saving the undo copy failed; its folders stay and the next start retries. */
export async function markUndoCopyFailed(db: Db, runId: string): Promise<void> {
  await db.restoreRun.updateMany({ where: { id: runId, undoCopy: "pending" }, data: { undoCopy: "failed" } });
}
