// Downtime as Docker itself saw it, independent of what Berth records: the workload's
// container `die` → the next `start`, from the engine's event stream and its own timestamps.
// Matched by the `berth.workload` label, not by id: a redeploy may recreate the container.
import type { Readable } from "node:stream";
import type Docker from "dockerode";
import { OWNER_LABEL } from "~/server/engine/container-runtime";

export interface DowntimeReport {
  /** summed over every die → start interval; null when the container never died */
  downtimeMs: number | null;
  intervals: Array<{ dieAt: number; startAt: number | null }>;
}

interface DockerEvent {
  Action?: string;
  status?: string;
  timeNano?: number;
}

// After the operation returns, the `start` event may still be on its way through the stream.
const LATE_START_WAIT_MS = 5000;

/** Subscribes to the workload's container events; `stop()` ends the watch and reports the downtime. */
export async function watchDowntime(docker: Docker, workloadId: string) {
  // Events of the whole current second are replayed (dockerd subscribes only after it answered,
  // so a watch without `since` could miss the first event); earlier ones are dropped below.
  const fromNs = BigInt(Date.now()) * 1_000_000n;
  const stream = (await docker.getEvents({
    since: Math.floor(Date.now() / 1000) - 1,
    filters: { type: ["container"], event: ["die", "start"], label: [`${OWNER_LABEL}=${workloadId}`] },
  })) as Readable;
  const events: Array<{ action: string; atNs: bigint }> = [];
  let pending = "";
  let onEvent = () => {};
  stream.on("data", (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines.filter((l) => l.trim())) {
      const event = JSON.parse(line) as DockerEvent;
      const atNs = BigInt(event.timeNano ?? 0);
      if (atNs >= fromNs) events.push({ action: event.Action ?? event.status ?? "", atNs });
    }
    onEvent();
  });
  const failed = new Promise<never>((_, reject) => stream.on("error", reject));
  failed.catch(() => {}); // surfaced by stop()

  const report = (): DowntimeReport & { complete: boolean } => {
    const intervals: DowntimeReport["intervals"] = [];
    let downSince: bigint | null = null;
    for (const { action, atNs } of events) {
      if (action === "die" && downSince === null) downSince = atNs;
      if (action === "start" && downSince !== null) {
        intervals.push({ dieAt: Number(downSince / 1000n) / 1000, startAt: Number(atNs / 1000n) / 1000 });
        downSince = null;
      }
    }
    if (downSince !== null) intervals.push({ dieAt: Number(downSince / 1000n) / 1000, startAt: null });
    const closed = intervals.filter((i) => i.startAt !== null);
    const downtimeMs = closed.length ? closed.reduce((sum, i) => sum + (i.startAt! - i.dieAt), 0) : null;
    return { downtimeMs, intervals, complete: downSince === null };
  };

  return {
    async stop(): Promise<DowntimeReport> {
      try {
        if (!report().complete) {
          await Promise.race([
            failed,
            new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, LATE_START_WAIT_MS);
              onEvent = () => {
                if (!report().complete) return;
                clearTimeout(timer);
                resolve();
              };
            }),
          ]);
        }
        const { downtimeMs, intervals } = report();
        return { downtimeMs, intervals };
      } finally {
        stream.destroy();
      }
    },
  };
}
