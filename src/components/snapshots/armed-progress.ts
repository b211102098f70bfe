"use client";

import { useCallback, useRef, useState } from "react";
import { api } from "~/trpc/react";
import type { OperationEvent } from "./options";
import { type TrackedOperation, trackEvent } from "./snapshot-progress";

/**
 * The progress of the one operation of `kind` a dialog starts. It listens while the dialog is
 * open, so the stream is connected before the request is sent; everything seen before `arm()`
 * (other work, outcomes the server replays) is ignored, and after it the first operation of
 * that kind that starts is this one (the server runs one per workload at a time).
 */
export function useArmedOperation(workloadId: string, kind: OperationEvent["kind"], listening: boolean) {
  const [operation, setOperation] = useState<TrackedOperation | null>(null);
  const armed = useRef(false);
  const before = useRef(new Set<string>());
  const id = useRef<string | null>(null);

  api.snapshot.progress.useSubscription(
    { workloadId },
    {
      enabled: listening,
      onData: (event) => {
        if (!armed.current || before.current.has(event.operationId)) {
          before.current.add(event.operationId);
          return;
        }
        if (event.kind !== kind) return;
        if (id.current === null && !event.done) id.current = event.operationId;
        if (id.current !== event.operationId) return;
        setOperation((previous) => trackEvent(previous, event, true));
      },
    },
  );

  const arm = useCallback(() => {
    armed.current = true;
    id.current = null;
    setOperation(null);
  }, []);
  const reset = useCallback(() => {
    armed.current = false;
    before.current.clear();
    id.current = null;
    setOperation(null);
  }, []);
  return { operation, arm, reset };
}
