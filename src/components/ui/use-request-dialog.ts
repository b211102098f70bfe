"use client";

import { useState } from "react";

/** What a dialog reads of the request it sends (a tRPC mutation). */
interface DialogRequest {
  isPending: boolean;
  reset: () => void;
}

/**
 * Open state for a dialog that its trigger opens and that sends one request (create, rename,
 * delete, revoke). `bind(request)` gives the dialog's props: busy while the request runs, and
 * on every way out the request's error is forgotten (and `onClosed` runs). `closeAfter(refresh)`
 * is for the request's onSuccess: the list is refreshed before the dialog goes, so it never
 * closes onto stale rows. `onOpened` runs as it opens (a form refilled from the current value).
 */
export function useRequestDialog({ onOpened, onClosed }: { onOpened?: () => void; onClosed?: () => void } = {}) {
  const [open, setOpen] = useState(false);
  const bind = (request: DialogRequest) => ({
    open,
    onOpenChange: (next: boolean) => {
      setOpen(next);
      if (next) {
        onOpened?.();
      } else {
        request.reset();
        onClosed?.();
      }
    },
    busy: request.isPending,
  });
  const closeAfter = async (refresh: () => Promise<unknown>) => {
    await refresh();
    setOpen(false);
  };
  return { bind, closeAfter, setOpen };
}
