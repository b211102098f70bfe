"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { ActionDialog, ConfirmFooter, ErrorAlert } from "~/components/ui/action-dialog";
import { RowButton } from "~/components/ui/button";
import { FormDialog } from "~/components/ui/form-dialog";
import { FormField } from "~/components/ui/form-field";
import { Input } from "~/components/ui/input";
import { describeError, firstFieldError } from "~/components/ui/trpc-error";
import { useRequestDialog } from "~/components/ui/use-request-dialog";
import { api, type RouterOutputs } from "~/trpc/react";

type User = RouterOutputs["user"]["list"][number];

/** An admin sets another user's password (one's own is changed under Account, with the current one). */
export function ResetPasswordDialog({ user, isSelf, onDone }: { user: User; isSelf: boolean; onDone: (email: string) => void }) {
  const t = useTranslations("users");
  const [password, setPassword] = useState("");
  const dialog = useRequestDialog({ onClosed: () => setPassword("") });
  const reset = api.user.resetPassword.useMutation({
    onSuccess: () => {
      dialog.setOpen(false);
      setPassword("");
      onDone(user.email);
    },
  });
  const error = describeError(reset.error);
  const fieldId = `reset-password-${user.id}`;

  return (
    <FormDialog
      {...dialog.bind(reset)}
      trigger={
        <RowButton label={t("resetPasswordFor", { email: user.email })} disabled={isSelf} title={isSelf ? t("resetSelfHint") : undefined}>
          {t("resetPassword")}
        </RowButton>
      }
      title={t("resetTitle")}
      description={t("resetDescription", { email: user.email })}
      error={error?.message}
      confirmLabel={reset.isPending ? t("resetting") : t("resetConfirm")}
      onSubmit={() => reset.mutate({ id: user.id, newPassword: password })}
    >
      <FormField id={fieldId} label={t("fields.password")} hint={t("fields.passwordHint")} error={firstFieldError(error, "newPassword")}>
        {(p) => (
          <Input
            {...p}
            type="password"
            autoComplete="new-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        )}
      </FormField>
    </FormDialog>
  );
}

/** Disable (no sign-in, sessions end, tokens stop) or enable a user again. */
export function DisableUserDialog({ user, isSelf }: { user: User; isSelf: boolean }) {
  const t = useTranslations("users");
  const dialog = useRequestDialog();
  const utils = api.useUtils();
  const disable = !user.disabledAt;
  const toggle = api.user.setDisabled.useMutation({ onSuccess: () => dialog.closeAfter(() => utils.user.list.invalidate()) });
  const error = describeError(toggle.error);
  const failed = disable ? t("disableFailed") : t("enableFailed");

  return (
    <ActionDialog
      {...dialog.bind(toggle)}
      trigger={
        <RowButton
          label={disable ? t("disableUser", { email: user.email }) : t("enableUser", { email: user.email })}
          disabled={isSelf && disable}
          title={isSelf && disable ? t("cannotDisableSelf") : undefined}
        >
          {disable ? t("disable") : t("enable")}
        </RowButton>
      }
      title={disable ? t("disableTitle") : t("enableTitle")}
      description={disable ? t("disableDescription", { email: user.email }) : t("enableDescription", { email: user.email })}
    >
      <ErrorAlert message={error ? error.message || failed : null} />
      <ConfirmFooter
        destructive={disable}
        busy={toggle.isPending}
        confirmLabel={toggle.isPending ? (disable ? t("disabling") : t("enabling")) : disable ? t("disableConfirm") : t("enableConfirm")}
        onConfirm={() => toggle.mutate({ id: user.id, disabled: disable })}
      />
    </ActionDialog>
  );
}
