"use client";

import type { ReactNode } from "react";
import { RowButton } from "./button";

/**
 * A row's "try it now" button (send a test alert, test a storage target) with how it went
 * beside it, in a status region: ok in green, failed in red, nothing while it runs.
 */
export function RowCheckButton({
  label,
  testId,
  pending,
  onClick,
  children,
  outcome,
}: {
  /** the button's accessible name (naming the row) */
  label: string;
  testId: string;
  pending: boolean;
  onClick: () => void;
  children: ReactNode;
  outcome: { ok: boolean; text: ReactNode } | null;
}) {
  return (
    <span className="inline-flex flex-col items-end gap-1">
      <RowButton label={label} busy={pending} data-testid={testId} onClick={onClick}>
        {children}
      </RowButton>
      <span role="status" className="max-w-[16rem] text-right text-xs break-words">
        {pending || !outcome ? null : (
          <span className={outcome.ok ? "text-success-soft-foreground" : "text-destructive-soft-foreground"}>{outcome.text}</span>
        )}
      </span>
    </span>
  );
}
