"use client";

import { signIn } from "next-auth/react";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { Alert } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { DismissibleAlert } from "~/components/ui/dismissible-alert";
import { FormField } from "~/components/ui/form-field";
import { Input } from "~/components/ui/input";
import { describeError, firstFieldError } from "~/components/ui/trpc-error";
import { api } from "~/trpc/react";

const EMPTY = { current: "", next: "", repeat: "" };
type Field = keyof typeof EMPTY;
const FIELD_IDS: Record<Field, string> = { current: "password-current", next: "password-new", repeat: "password-repeat" };

/**
 * Changing the password ends every session, this one too (the server keeps one version per
 * user). The form then signs this browser in again with the password just typed, through the
 * login form's own next-auth flow: no second kind of session to trust, and the user stays in.
 */
export function ChangePasswordForm({ email }: { email: string }) {
  const t = useTranslations("account.password");
  const [form, setForm] = useState(EMPTY);
  const [mismatch, setMismatch] = useState(false);
  const [outcome, setOutcome] = useState<"done" | "signInAgain" | null>(null);
  const [renewing, setRenewing] = useState(false);
  const change = api.me.changePassword.useMutation({
    onSuccess: async (_data, input) => {
      setRenewing(true);
      const renewed = await signIn("credentials", { redirect: false, email, password: input.newPassword }).catch(() => null);
      setRenewing(false);
      setForm(EMPTY);
      setOutcome(renewed?.ok && !renewed.error ? "done" : "signInAgain");
    },
  });
  const error = describeError(change.error);
  const wrongCurrent = change.error?.data?.reason === "current-password-wrong";
  const errors: Record<Field, string | undefined> = {
    current: wrongCurrent ? error?.message : firstFieldError(error, "currentPassword"),
    next: firstFieldError(error, "newPassword"),
    repeat: mismatch ? t("mismatch") : undefined,
  };
  const formError = !wrongCurrent && error?.message ? error.message : null;
  const busy = change.isPending || renewing;

  const set = (field: Field) => (e: React.ChangeEvent<HTMLInputElement>) => {
    setForm((f) => ({ ...f, [field]: e.target.value }));
    if (field !== "current") setMismatch(false);
  };

  function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setOutcome(null);
    if (form.next !== form.repeat) {
      change.reset();
      setMismatch(true);
      document.getElementById(FIELD_IDS.repeat)?.focus();
      return;
    }
    change.mutate(
      { currentPassword: form.current, newPassword: form.next },
      {
        onError: (e) => {
          // Focus moves to the field the error sits under.
          const field =
            e.data?.reason === "current-password-wrong" ? "current" : firstFieldError(describeError(e), "newPassword") ? "next" : null;
          if (field) document.getElementById(FIELD_IDS[field])?.focus();
        },
      },
    );
  }

  return (
    <section aria-labelledby="change-password-title" className="flex flex-col gap-4">
      <div className="flex flex-col gap-1">
        <h3 id="change-password-title" className="text-base font-semibold">
          {t("title")}
        </h3>
        <p className="text-sm text-muted-foreground">{t("description")}</p>
      </div>
      {outcome === "done" ? (
        <DismissibleAlert variant="success" role="status" onDismiss={() => setOutcome(null)}>
          {t("done")}
        </DismissibleAlert>
      ) : null}
      {outcome === "signInAgain" ? (
        <Alert variant="info" role="status">
          {t("signInAgain")}{" "}
          <a href="/login" className="underline">
            {t("signInLink")}
          </a>
        </Alert>
      ) : null}
      {formError ? (
        <Alert variant="destructive" role="alert">
          {formError}
        </Alert>
      ) : null}
      <form onSubmit={onSubmit} className="flex max-w-md flex-col gap-4">
        {/* For password managers: the account this password belongs to. */}
        <input type="email" name="username" autoComplete="username" value={email} readOnly hidden />
        <FormField id={FIELD_IDS.current} label={t("current")} error={errors.current}>
          {(p) => <Input {...p} type="password" autoComplete="current-password" required value={form.current} onChange={set("current")} />}
        </FormField>
        <FormField id={FIELD_IDS.next} label={t("new")} hint={t("newHint")} error={errors.next}>
          {(p) => <Input {...p} type="password" autoComplete="new-password" required value={form.next} onChange={set("next")} />}
        </FormField>
        <FormField id={FIELD_IDS.repeat} label={t("repeat")} error={errors.repeat}>
          {(p) => <Input {...p} type="password" autoComplete="new-password" required value={form.repeat} onChange={set("repeat")} />}
        </FormField>
        <div>
          <Button type="submit" busy={busy}>
            {busy ? t("submitting") : t("submit")}
          </Button>
        </div>
      </form>
    </section>
  );
}
