import type { Actor } from "~/server/engine/actor";
import type { LogLine } from "~/server/engine/container-runtime";
import type { EngineDeps } from "~/server/engine/deps";
import { badRequest, DomainError } from "~/server/engine/errors";
import { containerRef, loadWorkload, runtimeCall } from "./workloads";

export const LOG_TAIL_DEFAULT = 200;
export const LOG_TAIL_MAX = 2000;
/** A download holds the newest this many bytes of the log: a chatty container's years of output stay on the host. */
export const LOG_DOWNLOAD_MAX_BYTES = 50 * 1024 * 1024;
/** A LogLine's `time`, as `since` takes it back (Docker's RFC 3339 in UTC, up to nanoseconds). */
export const LOG_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/**
 * The container's last `tail` lines of stdout and stderr with Docker's times, oldest first;
 * with `since` (the newest line's time a reader has) only the lines written after it.
 * No container: no lines.
 */
export async function workloadLogs(
  deps: EngineDeps,
  _viewer: Actor,
  input: { id: string; tail?: number; since?: string },
): Promise<LogLine[]> {
  const { id, tail = LOG_TAIL_DEFAULT, since } = input;
  if (since !== undefined && !LOG_TIME.test(since)) throw badRequest("since must be a log line's time (RFC 3339 in UTC)");
  const w = await loadWorkload(deps.db, id);
  return runtimeCall(deps, "readLogs", "Reading the logs", () =>
    deps.runtime.logs(containerRef(w), { tail: Math.min(Math.max(1, tail), LOG_TAIL_MAX), since }),
  );
}

export interface LogDownloadView {
  /** `<project>-<stage>-<name>.log` */
  fileName: string;
  /** `<time> <text>` lines; empty when the workload has no container. Read it to its end or `return()` it: that frees the slot. */
  body: AsyncIterable<Buffer>;
}

/** A log download reads the whole log once: one at a time per workload, so a few viewers cannot make Docker read it over and over. */
export const logDownloadKey = (workloadId: string) => `logs-download:${workloadId}`;

/**
 * The container's whole log (its newest LOG_DOWNLOAD_MAX_BYTES, whole lines) with times, for a
 * download. Answers as soon as Docker's stream is open; the body holds the workload's download
 * slot until it has been read or given up.
 */
export async function workloadLogDownload(deps: EngineDeps, _viewer: Actor, input: { id: string }): Promise<LogDownloadView> {
  const key = logDownloadKey(input.id);
  if (deps.locks.isLocked(key)) {
    throw new DomainError(
      "TOO_MANY_REQUESTS",
      "This workload's log is being downloaded already; try again when that download has finished",
      {
        reason: "log-download-busy",
      },
    );
  }
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  // Taken at once (nobody holds the key), and held until `release`.
  void deps.locks.run(key, () => done);
  try {
    const w = await loadWorkload(deps.db, input.id);
    const fileName = `${w.project.slug}-${w.stage.slug}-${w.config.name}.log`;
    const download = await runtimeCall(deps, "readLogs", "Reading the logs", () =>
      deps.runtime.downloadLogs(containerRef(w), { maxBytes: LOG_DOWNLOAD_MAX_BYTES }),
    );
    return { fileName, body: releasing(download?.body ?? (async function* () {})(), release) };
  } catch (error) {
    release();
    throw error;
  }
}

/** `body`, calling `release` once when it ends, fails, or its reader stops (also before the first chunk). */
function releasing(body: AsyncIterable<Buffer>, release: () => void): AsyncIterable<Buffer> {
  return {
    [Symbol.asyncIterator]() {
      const inner = body[Symbol.asyncIterator]();
      return {
        async next() {
          try {
            const step = await inner.next();
            if (step.done) release();
            return step;
          } catch (error) {
            release();
            throw error;
          }
        },
        async return(value?: unknown) {
          try {
            return (await inner.return?.(value as undefined)) ?? { done: true, value: undefined };
          } finally {
            release();
          }
        },
      };
    },
  };
}
