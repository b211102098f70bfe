import type { Db } from "~/server/db";
import type { ErrorParams, ErrorReason } from "~/shared/error-reasons";
import { isErrorReason } from "~/shared/error-reasons";
import type { Actor } from "../actor";
import type { EngineDeps } from "../deps";
import { publicFailure } from "../public-error";
import { assertWorkloadExists } from "./workload-exists";

export const WORKLOAD_EVENT_KINDS = ["deploy", "start", "stop", "update", "restore"] as const;
export type WorkloadEventKind = (typeof WORKLOAD_EVENT_KINDS)[number];
/** rolled-back: a restore failed and the previous data was put back */
export const WORKLOAD_EVENT_OUTCOMES = ["success", "failure", "rolled-back"] as const;
export type WorkloadEventOutcome = (typeof WORKLOAD_EVENT_OUTCOMES)[number];

/** Events kept per workload; older ones are pruned on insert. */
export const WORKLOAD_EVENTS_KEPT = 200;
export const WORKLOAD_EVENTS_PAGE_MAX = 100;

/** The kinds that (re)create or start the container: the newest of them says whether it is up as saved. */
const DEPLOYING_KINDS: WorkloadEventKind[] = ["deploy", "start", "update"];

export interface WorkloadEventView {
  id: string;
  kind: WorkloadEventKind;
  outcome: WorkloadEventOutcome;
  /** a failure's reason code (the UI translates it with params); never Docker's or the OS's text */
  reason: ErrorReason | null;
  params: ErrorParams;
  actor: string;
  at: Date;
}

/**
 * Records how an action on a workload ended. A failure keeps only what publicFailure lets
 * out (a reason code and its params), an error without one becomes "unexpected".
 */
export async function recordWorkloadEvent(
  db: Db,
  input: { workloadId: string; kind: WorkloadEventKind; outcome: WorkloadEventOutcome; actor: Actor; error?: unknown },
): Promise<void> {
  const failure = input.error === undefined ? null : publicFailure(input.error);
  await db.workloadEvent.create({
    data: {
      workloadId: input.workloadId,
      kind: input.kind,
      outcome: input.outcome,
      reason: failure ? (failure.reason ?? "unexpected") : null,
      params: JSON.stringify(failure?.reason ? failure.params : {}),
      actor: input.actor.label,
    },
  });
  const beyond = await db.workloadEvent.findMany({
    where: { workloadId: input.workloadId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    skip: WORKLOAD_EVENTS_KEPT,
    select: { id: true },
  });
  if (beyond.length > 0) await db.workloadEvent.deleteMany({ where: { id: { in: beyond.map((e) => e.id) } } });
}

/**
 * For paths where a failed insert must not change the outcome (a restore past its commit,
 * its redeploys): the event is lost, the log says so.
 */
export async function recordWorkloadEventQuietly(
  deps: Pick<EngineDeps, "db" | "log">,
  input: Parameters<typeof recordWorkloadEvent>[1],
): Promise<void> {
  await recordWorkloadEvent(deps.db, input).catch((error: unknown) =>
    deps.log.warn({ err: error, workloadId: input.workloadId }, "recording a workload event failed"),
  );
}

/** Runs `work` and records its outcome as an event of `kind`; the error is re-thrown. */
export async function withWorkloadEvent<T>(
  deps: Pick<EngineDeps, "db" | "log">,
  event: { workloadId: string; kind: WorkloadEventKind; actor: Actor },
  work: () => Promise<T>,
): Promise<T> {
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await recordWorkloadEventQuietly(deps, { ...event, outcome: "failure", error });
    throw error;
  }
  // The action happened (and is audited): a failed insert must not report it as failed.
  await recordWorkloadEventQuietly(deps, { ...event, outcome: "success" });
  return result;
}

type EventRow = { id: string; kind: string; outcome: string; reason: string | null; params: string; actor: string; createdAt: Date };

/**
 * A failure's `detail` is the engine's English (a volume clash names host folders): admins
 * see it, as they see the paths on the page; anyone else gets only that it failed.
 */
function forViewer(view: WorkloadEventView, isAdmin: boolean): WorkloadEventView {
  if (isAdmin || !("detail" in view.params)) return view;
  return { ...view, reason: "failure-details-hidden", params: {} };
}

function toEventView(row: EventRow): WorkloadEventView {
  let params: ErrorParams = {};
  try {
    params = JSON.parse(row.params) as ErrorParams;
  } catch {
    // a damaged row still lists; its message shows without params
  }
  return {
    id: row.id,
    kind: row.kind as WorkloadEventKind,
    outcome: row.outcome as WorkloadEventOutcome,
    reason: isErrorReason(row.reason) ? row.reason : row.reason === null ? null : "unexpected",
    params,
    actor: row.actor,
    at: row.createdAt,
  };
}

/** The newest events first. */
export async function listWorkloadEvents(
  deps: Pick<EngineDeps, "db">,
  viewer: Actor,
  input: { id: string; limit?: number },
): Promise<WorkloadEventView[]> {
  await assertWorkloadExists(deps, input.id);
  const rows = await deps.db.workloadEvent.findMany({
    where: { workloadId: input.id },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: Math.min(Math.max(1, input.limit ?? 50), WORKLOAD_EVENTS_PAGE_MAX),
  });
  return rows.map((row) => forViewer(toEventView(row), viewer.role === "ADMIN"));
}

/**
 * The newest deploy, start or update-with-redeploy, when it failed: the status area keeps
 * saying so (and why) after a reload, until one succeeds.
 */
export async function lastDeployFailure(db: Db, workloadId: string, isAdmin = true): Promise<WorkloadEventView | null> {
  const row = await db.workloadEvent.findFirst({
    where: { workloadId, kind: { in: DEPLOYING_KINDS } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
  return row?.outcome === "failure" ? forViewer(toEventView(row), isAdmin) : null;
}
