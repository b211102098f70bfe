"use client";

import type * as React from "react";
import { ActionDialog, ConfirmFooter, ErrorAlert } from "~/components/ui/action-dialog";

type ShellProps = Omit<React.ComponentProps<typeof ActionDialog>, "children" | "busy">;

/**
 * A dialog around a form: the request's message first, then the fields, then Cancel and the
 * submit button (Enter in a field submits). `error` is left out where a dialog places it itself.
 */
export function FormDialog({
  busy,
  error,
  confirmLabel,
  destructive,
  disabled,
  onSubmit,
  children,
  ...shell
}: ShellProps & {
  busy: boolean;
  error?: string;
  confirmLabel: string;
  destructive?: boolean;
  disabled?: boolean;
  onSubmit: () => void;
  children: React.ReactNode;
}) {
  return (
    <ActionDialog busy={busy} {...shell}>
      <form
        className="flex flex-col gap-4"
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit();
        }}
      >
        <ErrorAlert message={error} />
        {children}
        <ConfirmFooter busy={busy} destructive={destructive} disabled={disabled} confirmLabel={confirmLabel} />
      </form>
    </ActionDialog>
  );
}

/**
 * A question with Cancel and one action that needs no fields (delete, revoke): the failure,
 * if any, shows above the buttons.
 */
export function ConfirmDialog({
  busy,
  error,
  confirmLabel,
  onConfirm,
  children,
  ...shell
}: ShellProps & {
  busy: boolean;
  error?: string | null;
  confirmLabel: string;
  onConfirm: () => void;
  children?: React.ReactNode;
}) {
  return (
    <ActionDialog busy={busy} {...shell}>
      {children}
      <ErrorAlert message={error} />
      <ConfirmFooter destructive busy={busy} confirmLabel={confirmLabel} onConfirm={onConfirm} />
    </ActionDialog>
  );
}
