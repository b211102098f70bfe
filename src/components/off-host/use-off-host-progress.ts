"use client";

import { useRef, useState } from "react";
import type { OperationEvent } from "~/components/snapshots/options";
import { OFF_HOST_KINDS, type TrackedOperation, trackEvent } from "~/components/snapshots/snapshot-progress";
import { api } from "~/trpc/react";

/**
 * The workload's copies and fetches as they run, from the progress stream (a copy's operation
 * id is the copy's id). A copy that starts or ends refreshes the copies list, so a queued
 * copy turns into a running one and then into its outcome without a reload; a fetch that
 * ends refreshes the snapshot list too.
 */
export function useOffHostProgress(workloadId: string) {
  const utils = api.useUtils();
  const [running, setRunning] = useState<ReadonlyMap<string, TrackedOperation>>(new Map());
  const seen = useRef(new Set<string>());

  api.snapshot.progress.useSubscription(
    { workloadId },
    {
      onData: (event: OperationEvent) => {
        if (!OFF_HOST_KINDS.has(event.kind)) return;
        const known = seen.current.has(event.operationId);
        // An outcome the server replays to a late subscriber is already in the lists.
        if (!known && event.done) return;
        seen.current.add(event.operationId);
        setRunning((previous) => {
          const next = new Map(previous);
          if (event.done) next.delete(event.operationId);
          else next.set(event.operationId, trackEvent(previous.get(event.operationId), event, false));
          return next;
        });
        if (!known || event.done) {
          void Promise.all([
            utils.snapshot.copies.invalidate({ workloadId }),
            event.done && event.kind === "fetch" ? utils.snapshot.list.invalidate({ workloadId }) : null,
          ]);
        }
      },
    },
  );

  return {
    /** a running copy's progress, by the copy's id */
    copy: (copyId: string) => running.get(copyId) ?? null,
    /** the workload's running fetch, if any */
    fetch: [...running.values()].find((o) => o.event.kind === "fetch") ?? null,
  };
}
