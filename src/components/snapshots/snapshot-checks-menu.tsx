"use client";

import { useTranslations } from "next-intl";
import type * as React from "react";
import { useId, useRef, useState } from "react";
import { RowButton } from "~/components/ui/button";
import { describeError } from "~/components/ui/trpc-error";
import { cn } from "~/lib/utils";
import type { SnapshotView } from "./options";
import { TestRestoreDialog } from "./test-restore-dialog";
import { useVerifySnapshot, type Verified } from "./verify-snapshot";

/**
 * A snapshot's checks behind one row button, so the row's buttons stay on one line: verify
 * it now, or test-restore it (when its workload is known and its file is here). The menu is a
 * popover in the top layer (never clipped by the table's scrolling box): Escape or a click
 * outside closes it and focus goes back to the button; arrow keys move between the items.
 */
export function SnapshotChecksMenu({
  snapshot,
  name,
  canTestRestore,
  onVerified,
}: {
  snapshot: SnapshotView;
  name: string;
  canTestRestore: boolean;
  onVerified: (verified: Verified) => void;
}) {
  const t = useTranslations("snapshots.checksMenu");
  const tv = useTranslations("snapshots.verify");
  const menuId = useId();
  const trigger = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const [expanded, setExpanded] = useState(false);
  const [testing, setTesting] = useState(false);
  const verify = useVerifySnapshot(snapshot, name, onVerified);
  const error = describeError(verify.error);

  const items = () => [...(menu.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]') ?? [])];
  const choose = (action: () => void) => {
    menu.current?.hidePopover();
    action();
  };
  // The page moving under a fixed menu would leave it pointing at another row.
  const closeOnScroll = () => menu.current?.hidePopover();

  const onBeforeToggle = (event: React.ToggleEvent<HTMLDivElement>) => {
    if (event.newState !== "open" || !trigger.current) return;
    const box = trigger.current.getBoundingClientRect();
    const style = event.currentTarget.style;
    style.top = `${box.bottom + 4}px`;
    style.right = `${Math.max(8, window.innerWidth - box.right)}px`;
  };
  const onToggle = (event: React.ToggleEvent<HTMLDivElement>) => {
    const open = event.newState === "open";
    setExpanded(open);
    if (open) {
      items()[0]?.focus();
      window.addEventListener("scroll", closeOnScroll, { capture: true, once: true });
    } else {
      window.removeEventListener("scroll", closeOnScroll, { capture: true });
    }
  };
  const onKeyDown = (event: React.KeyboardEvent<HTMLDivElement>) => {
    const list = items();
    const at = list.indexOf(document.activeElement as HTMLButtonElement);
    const next = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: list.length - 1 }[event.key];
    if (next !== undefined) {
      event.preventDefault();
      list[(next + list.length) % list.length]?.focus();
    } else if (event.key === "Tab") {
      // Leaving the menu closes it; focus goes back to its button.
      event.preventDefault();
      menu.current?.hidePopover();
    }
  };

  return (
    <span className="inline-flex flex-col items-end gap-1">
      <RowButton
        ref={trigger}
        label={t("openName", { name })}
        aria-haspopup="menu"
        aria-expanded={expanded}
        aria-controls={menuId}
        popoverTarget={menuId}
        busy={verify.isPending}
        data-testid={`snapshot-checks-${snapshot.id}`}
      >
        {verify.isPending ? tv("running") : t("open")}
        {verify.isPending ? null : <ChevronDown />}
      </RowButton>
      <div
        ref={menu}
        id={menuId}
        popover="auto"
        role="menu"
        aria-label={t("label", { name })}
        onBeforeToggle={onBeforeToggle}
        onToggle={onToggle}
        onKeyDown={onKeyDown}
        className="inset-auto m-0 min-w-[14rem] rounded-md border border-border bg-background p-1 text-left text-sm text-foreground shadow-lg"
      >
        <MenuItem hint={tv("hint")} onClick={() => choose(() => verify.mutate({ id: snapshot.id }))}>
          {t("verify")}
        </MenuItem>
        {canTestRestore ? (
          <MenuItem hint={t("testRestoreHint")} onClick={() => choose(() => setTesting(true))}>
            {t("testRestore")}
          </MenuItem>
        ) : null}
      </div>
      {error ? (
        <span role="alert" className="max-w-[12rem] text-xs break-words text-destructive-soft-foreground">
          {tv("requestFailed", { message: error.message })}
        </span>
      ) : null}
      {canTestRestore ? (
        <TestRestoreDialog
          snapshot={snapshot}
          name={name}
          open={testing}
          onOpenChange={setTesting}
          onCloseAutoFocus={(event) => {
            event.preventDefault();
            trigger.current?.focus();
          }}
        />
      ) : null}
    </span>
  );
}

function MenuItem({ hint, onClick, children }: { hint: string; onClick: () => void; children: React.ReactNode }) {
  const hintId = useId();
  return (
    <button
      type="button"
      role="menuitem"
      tabIndex={-1}
      aria-describedby={hintId}
      onClick={onClick}
      className={cn(
        "flex w-full cursor-pointer flex-col items-start gap-0.5 rounded-sm px-3 py-2 text-left",
        "hover:bg-accent focus-visible:bg-accent focus-visible:outline-none",
      )}
    >
      <span className="font-medium">{children}</span>
      <span id={hintId} className="max-w-[18rem] text-xs whitespace-normal text-muted-foreground">
        {hint}
      </span>
    </button>
  );
}

function ChevronDown() {
  return (
    <svg viewBox="0 0 16 16" aria-hidden="true" className="size-3 shrink-0" fill="none" stroke="currentColor" strokeWidth="1.5">
      <path d="M4 6l4 4 4-4" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
