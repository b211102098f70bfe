// Issue 13: the pure pieces behind the restore UI (src/components/snapshots/options.ts): how
// the dialog's steps follow the engine's phases, and which run the history's Undo offers and how.
import { describe, expect, it } from "vitest";
import {
  advanceRestoreStep,
  RESTORE_FOREGROUND_STEPS,
  RESTORE_STEPS,
  restoreStepStates,
  UNDO_COPY_STEPS,
  UNDO_SWAP_STEPS,
  undoableRun,
  undoCopyProgress,
  undoCopySnapshotId,
  undoMethod,
} from "~/components/snapshots/options";

const follow = (phases: string[]) => phases.reduce(advanceRestoreStep, -1);
const running = (steps: readonly (typeof RESTORE_STEPS)[number][], reached: number) =>
  restoreStepStates(steps, reached).find((s) => s.state === "running")?.step ?? null;

describe("restore steps", () => {
  it("follow a restore's phases, and ignore the operation's own first 'starting'", () => {
    expect(running(RESTORE_FOREGROUND_STEPS, follow([]))).toBe("staging");
    expect(running(RESTORE_FOREGROUND_STEPS, follow(["starting"]))).toBe("staging");
    expect(running(RESTORE_FOREGROUND_STEPS, follow(["starting", "staging", "stopping"]))).toBe("stopping");
    expect(running(RESTORE_FOREGROUND_STEPS, follow(["starting", "staging", "stopping", "swapping", "starting"]))).toBe("starting");
    const background = follow(["starting", "staging", "stopping", "swapping", "starting", "saving-undo-copy"]);
    expect(restoreStepStates(RESTORE_FOREGROUND_STEPS, background).every((s) => s.state === "done")).toBe(true);
    expect(running(UNDO_COPY_STEPS, background)).toBe("savingUndoCopy");
    expect(running(UNDO_COPY_STEPS, advanceRestoreStep(background, "removing-old-data"))).toBe("removingOldData");
    expect(follow(["staging", "done"])).toBe(RESTORE_STEPS.length);
  });

  it("never go back, and let unknown phases pass", () => {
    const swapped = follow(["staging", "stopping", "swapping"]);
    expect(advanceRestoreStep(swapped, "stopping")).toBe(swapped);
    expect(advanceRestoreStep(swapped, "failed")).toBe(swapped);
    expect(advanceRestoreStep(swapped, "a later engine's phase")).toBe(swapped);
  });

  it("start an undo's swap back at the stop, and the background once the workload is up", () => {
    expect(running(UNDO_SWAP_STEPS, follow(["starting"]))).toBe("stopping");
    expect(running(UNDO_SWAP_STEPS, follow(["starting", "stopping", "swapping"]))).toBe("swapping");
    expect(running(UNDO_COPY_STEPS, follow(["starting", "stopping", "swapping", "starting"]))).toBe("savingUndoCopy");
  });
});

type Run = { outcome: string | null; undoCopy: string | null; preRestoreSnapshotId: string | null };
const run = (outcome: string | null, undoCopy: string | null, preRestoreSnapshotId: string | null = "pre"): Run => ({
  outcome,
  undoCopy,
  preRestoreSnapshotId,
});

describe("undo in the restore history", () => {
  it("is offered for the latest run only, when it changed the data and is not undone", () => {
    const latest = run("succeeded", "pending");
    expect(undoableRun([latest, run("succeeded", "saved")])).toBe(latest);
    expect(undoableRun([run("completed-at-boot", "saved")])).not.toBeNull();
    // A newer failed run, or one still bringing its workload up: the server refuses (CONFLICT).
    expect(undoableRun([run("failed", null, null), run("succeeded", "saved")])).toBeNull();
    expect(undoableRun([run(null, null), run("succeeded", "saved")])).toBeNull();
    expect(undoableRun([run("succeeded", "undone")])).toBeNull();
    expect(undoableRun([])).toBeNull();
  });

  it("swaps back while the old data is on disk, restores the saved copy after, and has nothing to undo without one", () => {
    expect(undoMethod(run("succeeded", "pending"))).toBe("swap");
    expect(undoMethod(run("succeeded", "failed"))).toBe("swap");
    expect(undoMethod(run("succeeded", "saved"))).toBe("snapshot");
    expect(undoMethod(run("succeeded", null))).toBe("snapshot");
    expect(undoMethod(run("succeeded", null, null))).toBeNull();
    expect(undoMethod(run("succeeded", "none", null))).toBeNull();
  });

  it("marks the snapshot Undo would restore only once it is saved", () => {
    expect(undoCopySnapshotId([run("succeeded", "saved", "s1"), run("succeeded", "saved", "s0")])).toBe("s1");
    expect(undoCopySnapshotId([run("succeeded", "pending", "s1")])).toBeNull();
    expect(undoCopySnapshotId([run("succeeded", "undone", "s1")])).toBeNull();
  });
});

describe("the undo copy in the restore dialog", () => {
  const at = new Date();
  it("is pending until the stream or the run's row says it is over, and then says how it ended", () => {
    expect(undoCopyProgress(undefined, undefined)).toBe("pending");
    expect(undoCopyProgress({ undoCopy: "pending", finishedAt: null }, { done: false })).toBe("pending");
    // Saved, but its old data is still being removed: not over yet.
    expect(undoCopyProgress({ undoCopy: "saved", finishedAt: null }, { done: false })).toBe("pending");
    expect(undoCopyProgress({ undoCopy: "pending", finishedAt: null }, { done: true })).toBe("saved");
    expect(undoCopyProgress({ undoCopy: "saved", finishedAt: at }, undefined)).toBe("saved");
    expect(undoCopyProgress({ undoCopy: "none", finishedAt: at }, { done: true })).toBe("none");
  });

  it("reports a failure from either source, and an undo that overtook it", () => {
    expect(undoCopyProgress(undefined, { done: true, error: "disk full" })).toBe("failed");
    expect(undoCopyProgress({ undoCopy: "failed", finishedAt: null }, undefined)).toBe("failed");
    expect(undoCopyProgress({ undoCopy: "undone", finishedAt: null }, { done: true })).toBe("undone");
  });
});
