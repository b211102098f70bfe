"use client";

import { useTranslations } from "next-intl";
import { RowButton } from "~/components/ui/button";
import { describeError } from "~/components/ui/trpc-error";
import { cn } from "~/lib/utils";
import { api } from "~/trpc/react";
import type { SnapshotView } from "./options";

export function PinIcon({ filled = false, className }: { filled?: boolean; className?: string }) {
  return (
    <svg
      viewBox="0 0 16 16"
      aria-hidden="true"
      className={cn("size-3.5 shrink-0", className)}
      fill={filled ? "currentColor" : "none"}
      stroke="currentColor"
      strokeWidth="1.5"
    >
      <path d="M6 1.5h4l-.5 4 2.5 2.5v1H4v-1l2.5-2.5z" strokeLinejoin="round" />
      <path d="M8 9v5.5" strokeLinecap="round" />
    </svg>
  );
}

/**
 * Pin or unpin a snapshot (admins). The name says what a press does ("Pin", "Unpin"); a
 * pinned snapshot is never removed automatically, which matters for "Before restore" ones:
 * only the newest few of those are kept otherwise.
 */
export function PinSnapshotButton({ snapshot, name }: { snapshot: SnapshotView; name: string }) {
  const t = useTranslations("snapshots");
  const utils = api.useUtils();
  const pin = api.snapshot.pin.useMutation({ onSettled: () => utils.snapshot.list.invalidate() });
  const error = pin.error ? describeError(pin.error)?.message || pin.error.message : null;
  return (
    <span className="inline-flex flex-col items-end gap-1">
      <RowButton
        label={snapshot.pinned ? t("unpinName", { name }) : t("pinName", { name })}
        busy={pin.isPending}
        title={t("pinnedHint")}
        onClick={() => pin.mutate({ id: snapshot.id, pinned: !snapshot.pinned })}
      >
        {pin.isPending ? null : <PinIcon filled={snapshot.pinned} />}
        {snapshot.pinned ? t("unpin") : t("pin")}
      </RowButton>
      {error ? (
        <span role="alert" className="max-w-[12rem] text-xs break-words text-destructive">
          {t("pinFailed", { message: error })}
        </span>
      ) : null}
    </span>
  );
}
