"use client";

import { useTranslations } from "next-intl";
import type * as React from "react";
import { Button } from "~/components/ui/button";
import {
  Dialog,
  DialogClose,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from "~/components/ui/dialog";

/**
 * The one dialog shell of the snapshot screens (take, import, delete, restore, skipped
 * entries). While `busy` it cannot be closed — not by Esc, a click outside, × or Cancel —
 * because closing it would hide an operation that is still changing data on the server.
 * Without a trigger it is opened by its owner (`open`); closing returns focus to what had it.
 */
export function ActionDialog({
  open,
  onOpenChange,
  busy = false,
  trigger,
  title,
  description,
  className,
  onCloseAutoFocus,
  children,
}: {
  /** leave both undefined for a dialog that opens and closes by itself */
  open?: boolean;
  onOpenChange?: (open: boolean) => void;
  busy?: boolean;
  trigger?: React.ReactElement;
  title: React.ReactNode;
  description: React.ReactNode;
  className?: string;
  onCloseAutoFocus?: (event: Event) => void;
  children: React.ReactNode;
}) {
  const tc = useTranslations("common");
  const block = (event: Event) => {
    if (busy) event.preventDefault();
  };
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (busy) return;
        onOpenChange?.(next);
      }}
    >
      {trigger ? <DialogTrigger asChild>{trigger}</DialogTrigger> : null}
      <DialogContent
        closeLabel={tc("close")}
        className={className}
        onCloseAutoFocus={onCloseAutoFocus}
        onInteractOutside={block}
        onEscapeKeyDown={block}
      >
        <DialogHeader>
          <DialogTitle>{title}</DialogTitle>
          <DialogDescription>{description}</DialogDescription>
        </DialogHeader>
        {children}
      </DialogContent>
    </Dialog>
  );
}

/**
 * Cancel and the action. Without `onConfirm` the action submits the surrounding form (so
 * Enter works in a form's fields); busy, it spins and Cancel is disabled.
 */
export function ConfirmFooter({
  busy = false,
  disabled = false,
  destructive = false,
  confirmLabel,
  onConfirm,
}: {
  busy?: boolean;
  disabled?: boolean;
  destructive?: boolean;
  confirmLabel: string;
  onConfirm?: () => void;
}) {
  const tc = useTranslations("common");
  return (
    <DialogFooter>
      <DialogClose asChild>
        <Button variant="outline" disabled={busy}>
          {tc("cancel")}
        </Button>
      </DialogClose>
      <Button
        type={onConfirm ? "button" : "submit"}
        variant={destructive ? "destructive" : "default"}
        busy={busy}
        disabled={disabled}
        onClick={onConfirm}
      >
        {confirmLabel}
      </Button>
    </DialogFooter>
  );
}
