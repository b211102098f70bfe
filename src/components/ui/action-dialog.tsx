"use client";

import { useTranslations } from "next-intl";
import type * as React from "react";
import { useRef } from "react";
import { Alert } from "~/components/ui/alert";
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
 * The one dialog shell of the app. While `busy` it cannot be closed — not by Esc, a click
 * outside, × or Cancel — because closing it would hide an operation that is still changing
 * data on the server. Without a trigger it is opened by its owner (`open`); closing returns
 * focus to what had it, or calls `onTriggerGone` when the action took the trigger away
 * (a deleted row's button).
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
  onTriggerGone,
  onInteractOutside,
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
  onTriggerGone?: () => void;
  onInteractOutside?: (event: Event) => void;
  children: React.ReactNode;
}) {
  const tc = useTranslations("common");
  const triggerRef = useRef<HTMLButtonElement>(null);
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
      {trigger ? (
        <DialogTrigger asChild ref={triggerRef}>
          {trigger}
        </DialogTrigger>
      ) : null}
      <DialogContent
        closeLabel={tc("close")}
        className={className}
        onCloseAutoFocus={(event) => {
          onCloseAutoFocus?.(event);
          if (onTriggerGone && !triggerRef.current?.isConnected) {
            event.preventDefault();
            onTriggerGone();
          }
        }}
        onInteractOutside={(event) => {
          block(event);
          onInteractOutside?.(event);
        }}
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

/** A failed request's message in a dialog or form; nothing when there is none. */
export function ErrorAlert({ message }: { message?: string | null }) {
  return message ? (
    <Alert variant="destructive" role="alert">
      {message}
    </Alert>
  ) : null;
}
