import { conflict } from "../errors";

/** A background undo copy (undo-copy.ts) of one journaled restore. */
export interface UndoCopyTask {
  controller: AbortController;
  done: Promise<void>;
}

/**
 * The per-process state of restores: which workloads have a restore or undo in its
 * foreground part (claimed before anything is read, so a second one is refused at once),
 * and the undo copies being saved in the background (an undo stops its restore's first).
 */
export class RestoreTasks {
  private readonly inFlight = new Set<string>();
  readonly undoCopies = new Map<string, UndoCopyTask>();

  /** Claims the workload for a restore or undo, synchronously (before any await), or refuses. */
  claim(workloadId: string): void {
    if (this.inFlight.has(workloadId)) throw conflict("A restore of this workload is already running", { reason: "restore-running" });
    this.inFlight.add(workloadId);
  }

  release(workloadId: string): void {
    this.inFlight.delete(workloadId);
  }

  isRunning(workloadId: string): boolean {
    return this.inFlight.has(workloadId);
  }

  /** Resolves when every undo copy being saved has settled (CLI, tests, bench). */
  async settled(): Promise<void> {
    while (this.undoCopies.size > 0) await Promise.all([...this.undoCopies.values()].map((t) => t.done));
  }
}
