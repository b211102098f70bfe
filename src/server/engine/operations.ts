import { EventEmitter, on } from "node:events";
import type { ErrorParams, ErrorReason } from "~/shared/error-reasons";
import type { OperationKind, OperationPhase } from "~/shared/operations";
import type { PublicFailure } from "./public-error";

/** A long-running operation's progress, as the UI shows it (bar, ETA, outcome). */
export interface OperationEvent {
  operationId: string;
  workloadId: string;
  kind: OperationKind;
  phase: OperationPhase;
  /** the try of the phase, from 2 on (a capture reads again when files changed while reading) */
  attempt?: number;
  bytesDone: number;
  bytesTotal: number;
  volume?: string;
  startedAt: number;
  done: boolean;
  /** the failure in English; `errorReason` and `errorParams` say the same as a code the UI translates */
  error?: string;
  errorReason?: ErrorReason;
  errorParams?: ErrorParams;
}

/**
 * In-memory progress of running operations per workload, for subscriptions. Only the
 * latest event of each operation is kept: a late subscriber gets the current state at once.
 */
export class OperationHub {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private readonly latest = new Map<string, OperationEvent>();

  start(operationId: string, workloadId: string, kind: OperationEvent["kind"], bytesTotal = 0) {
    const base: OperationEvent = {
      operationId,
      workloadId,
      kind,
      startedAt: Date.now(),
      bytesDone: 0,
      bytesTotal,
      phase: "starting",
      done: false,
    };
    this.publish(base);
    let lastEmit = 0;
    return {
      progress: (update: Partial<Pick<OperationEvent, "phase" | "attempt" | "bytesDone" | "bytesTotal" | "volume">>) => {
        // A new phase (or a new try of one) starts at its first attempt unless it says otherwise.
        const next = { ...this.latest.get(operationId)!, ...update, ...(update.phase ? { attempt: update.attempt } : {}) };
        this.latest.set(operationId, next);
        // At most ~10 events a second: progress callbacks fire per chunk.
        const now = Date.now();
        if (now - lastEmit >= 100 || update.phase) {
          lastEmit = now;
          this.emitter.emit("event", next);
        }
      },
      finish: (failure?: PublicFailure) => {
        const error = failure && { error: failure.message, errorReason: failure.reason, errorParams: failure.params };
        this.publish({ ...this.latest.get(operationId)!, done: true, ...error, phase: failure ? "failed" : "done" });
        // Keep the outcome briefly for a subscriber that arrives just after the end.
        setTimeout(() => this.latest.delete(operationId), 60_000).unref();
      },
    };
  }

  private publish(event: OperationEvent) {
    this.latest.set(event.operationId, event);
    this.emitter.emit("event", event);
  }

  current(workloadId: string): OperationEvent[] {
    return [...this.latest.values()].filter((e) => e.workloadId === workloadId);
  }

  /** Current state first, then every new event for the workload, until `signal` aborts. */
  async *watch(workloadId: string, signal?: AbortSignal): AsyncGenerator<OperationEvent> {
    const live = on(this.emitter, "event", { signal });
    for (const event of this.current(workloadId)) yield event;
    try {
      for await (const [event] of live) if ((event as OperationEvent).workloadId === workloadId) yield event as OperationEvent;
    } catch (error) {
      if ((error as Error).name !== "AbortError") throw error;
    }
  }
}

export type OperationHandle = ReturnType<OperationHub["start"]>;
