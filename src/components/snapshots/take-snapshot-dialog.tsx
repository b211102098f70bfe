"use client";

import { useTranslations } from "next-intl";
import { useRef, useState } from "react";
import { ActionDialog, ConfirmFooter } from "~/components/ui/action-dialog";
import { Button } from "~/components/ui/button";
import { Checkbox } from "~/components/ui/checkbox";
import { FormField } from "~/components/ui/form-field";
import { Input } from "~/components/ui/input";
import { LABEL_MAX_LENGTH } from "./options";

/**
 * Asks for the optional label and whether to stop the containers, then hands the request
 * to the panel and closes: a capture can take minutes, and its progress and outcome show in
 * the panel, not behind a modal.
 */
export function TakeSnapshotDialog({
  workloadName,
  running,
  pending,
  disabled,
  disabledHint,
  onSubmit,
  focusAfterSubmit,
}: {
  workloadName: string;
  running: boolean;
  pending: boolean;
  disabled: boolean;
  disabledHint?: string;
  onSubmit: (request: { label?: string; quiesce: boolean }) => void;
  /** where focus goes once the dialog closed on submit (the trigger is busy then) */
  focusAfterSubmit: () => void;
}) {
  const t = useTranslations("snapshotTake");
  const [open, setOpen] = useState(false);
  const [label, setLabel] = useState("");
  const [quiesce, setQuiesce] = useState(false);
  const submitted = useRef(false);

  return (
    <ActionDialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) {
          setLabel("");
          setQuiesce(false);
        }
      }}
      trigger={
        <Button busy={pending} disabled={disabled} title={disabled ? disabledHint : undefined}>
          {pending ? t("taking") : t("open")}
        </Button>
      }
      title={t("title")}
      description={t("description", { name: workloadName })}
      onCloseAutoFocus={(event) => {
        if (!submitted.current) return;
        submitted.current = false;
        event.preventDefault();
        focusAfterSubmit();
      }}
    >
      <form
        className="flex flex-col gap-4"
        onSubmit={(e) => {
          e.preventDefault();
          if (pending || disabled) return;
          const trimmed = label.trim();
          submitted.current = true;
          onSubmit({ label: trimmed || undefined, quiesce });
          setOpen(false);
          setLabel("");
          setQuiesce(false);
        }}
      >
        <FormField id="snapshot-label" label={t("label")} hint={t("labelHint", { max: LABEL_MAX_LENGTH })}>
          {(p) => <Input {...p} autoComplete="off" maxLength={LABEL_MAX_LENGTH} value={label} onChange={(e) => setLabel(e.target.value)} />}
        </FormField>
        <Checkbox
          label={t("quiesce")}
          checked={quiesce}
          onChange={(e) => setQuiesce(e.target.checked)}
          hint={running ? t("quiesceHintRunning") : t("quiesceHintStopped")}
        />
        <ConfirmFooter disabled={pending || disabled} confirmLabel={t("confirm")} />
      </form>
    </ActionDialog>
  );
}
