"use client";

import { useFormatter } from "next-intl";
import type { SnapshotView } from "./options";

/** How a snapshot is named in buttons and dialogs: its label, or when it was taken. */
export function useSnapshotName() {
  const format = useFormatter();
  return (s: Pick<SnapshotView, "label" | "createdAt">) =>
    s.label || format.dateTime(s.createdAt, { dateStyle: "medium", timeStyle: "short" });
}
