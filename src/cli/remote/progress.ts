import type { OperationKind, OperationPhase } from "~/shared/operations";
import type { Remote } from "./client";
import { formatBytes, terminalText } from "./output";

export interface ProgressState {
  phase: OperationPhase | string;
  attempt?: number;
  bytesDone: number;
  bytesTotal: number;
}

const BAR_WIDTH = 24;

/**
 * Progress on stderr: a bar redrawn in place on a terminal; elsewhere (logs, CI) one plain
 * line per phase, so a pipeline's output stays readable. stdout is left to the result.
 */
export function progressReporter(label: string, stream: NodeJS.WriteStream = process.stderr) {
  const tty = Boolean(stream.isTTY);
  let lastLine = "";
  let drawn = false;
  return {
    update(state: ProgressState) {
      // The phase comes from the server: no escape sequence of its own reaches the terminal.
      const phase = terminalText(state.attempt ? `${state.phase} (try ${state.attempt})` : state.phase);
      if (!tty) {
        const line = `${label}: ${phase}`;
        if (line !== lastLine) stream.write(`${line}\n`);
        lastLine = line;
        return;
      }
      const fraction = state.bytesTotal > 0 ? Math.min(1, state.bytesDone / state.bytesTotal) : null;
      const filled = fraction === null ? 0 : Math.round(fraction * BAR_WIDTH);
      const bar = `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}]`;
      const amount =
        fraction === null
          ? state.bytesDone > 0
            ? formatBytes(state.bytesDone)
            : ""
          : `${String(Math.floor(fraction * 100)).padStart(3)}% ${formatBytes(state.bytesDone)} / ${formatBytes(state.bytesTotal)}`;
      const columns = stream.columns || 80;
      stream.write(`\r\x1b[2K${`${label} ${phase} ${bar} ${amount}`.slice(0, columns - 1)}`);
      drawn = true;
    },
    /** Clears the bar (a terminal keeps the line for the result instead). */
    done() {
      if (tty && drawn) stream.write("\r\x1b[2K");
      drawn = false;
    },
  };
}

/**
 * Follows the workload's progress stream (the one the UI's snapshot panel shows) while
 * `work` runs, and reports the operation of `kind` that starts meanwhile. Operations that had
 * ended before (the server replays recent outcomes) are skipped. The stream is best effort:
 * when it fails, `work` goes on without a bar.
 */
export async function withOperationProgress<T>(
  remote: Remote,
  workloadId: string,
  kind: OperationKind,
  work: () => Promise<T>,
  options: { label?: string; adjust?: (state: ProgressState) => ProgressState; show?: boolean } = {},
): Promise<T> {
  if (options.show === false) return work();
  const reporter = progressReporter(options.label ?? kind);
  const seen = new Set<string>();
  let followed: string | null = null;
  let ready: () => void = () => {};
  const started = new Promise<void>((resolve) => (ready = resolve));
  let finished = false;
  let end: () => void = () => {};
  const ended = new Promise<void>((resolve) => (end = resolve));
  const subscription = remote.api.snapshot.progress.subscribe(
    { workloadId },
    {
      onStarted: () => ready(),
      onError: () => ready(),
      onData: (event) => {
        const known = seen.has(event.operationId);
        seen.add(event.operationId);
        if (!known && event.done) return;
        if (event.kind !== kind) return;
        followed ??= event.operationId;
        if (event.operationId !== followed) return;
        if (event.done) {
          finished = true;
          end();
          return;
        }
        reporter.update(options.adjust ? options.adjust(event) : event);
      },
    },
  );
  // Subscribed before the work starts, so its first events are not missed; a stream that
  // does not answer soon is not waited for.
  await Promise.race([started, new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
  try {
    const result = await work();
    // The answer can overtake the stream's last events: give them a moment to arrive.
    if (followed && !finished) await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 500).unref())]);
    return result;
  } finally {
    subscription.unsubscribe();
    reporter.done();
  }
}
