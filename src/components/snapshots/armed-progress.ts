"use client";

import { useCallback, useRef, useState } from "react";
import { api } from "~/trpc/react";
import type { OperationEvent } from "./options";
import { type TrackedOperation, trackEvent } from "./snapshot-progress";

/**
 * The events of the one operation of `kind` a dialog starts, folded into a state by `fold`. It
 * listens while the dialog is open, so the stream is connected before the request is sent;
 * everything seen before `arm()` (other work, other tabs, outcomes the server replays) is
 * ignored, and after it the first operation of that kind that starts is this one (the server
 * runs one per workload at a time).
 */
export function useArmedEvents<S>(
  workloadId: string,
  kind: OperationEvent["kind"],
  listening: boolean,
  initial: S,
  fold: (previous: S, event: OperationEvent) => S,
) {
  const [state, setState] = useState<S>(initial);
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
        setState((previous) => fold(previous, event));
      },
    },
  );

  const arm = useCallback(() => {
    armed.current = true;
    id.current = null;
    setState(initial);
  }, [initial]);
  const reset = useCallback(() => {
    armed.current = false;
    before.current.clear();
    id.current = null;
    setState(initial);
  }, [initial]);
  return { state, arm, reset };
}

const foldOperation = (previous: TrackedOperation | null, event: OperationEvent) => trackEvent(previous, event, true);

/** The progress bar's state of the one operation of `kind` a dialog starts (useArmedEvents). */
export function useArmedOperation(workloadId: string, kind: OperationEvent["kind"], listening: boolean) {
  const { state, arm, reset } = useArmedEvents<TrackedOperation | null>(workloadId, kind, listening, null, foldOperation);
  return { operation: state, arm, reset };
}
