"use client";

import { useTranslations } from "next-intl";
import type * as React from "react";
import { Alert } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { FormDialog } from "~/components/ui/form-dialog";

/**
 * A settings card listing records (users, tokens): a focusable heading (where focus lands
 * when a row's dialog took its row away), the create action, and the list once loaded.
 */
export function ListSection({
  headingRef,
  title,
  description,
  action,
  query,
  loading,
  loadFailed,
  empty,
  children,
}: {
  headingRef: React.Ref<HTMLHeadingElement>;
  title: string;
  description: string;
  action: React.ReactNode;
  query: { isPending: boolean; error: { message: string } | null; data?: readonly unknown[] };
  loading: string;
  loadFailed: (message: string) => string;
  empty: string;
  children: React.ReactNode;
}) {
  return (
    <Card>
      <CardHeader className="flex-row flex-wrap items-start justify-between gap-3">
        <div className="flex flex-col gap-1.5">
          <CardTitle ref={headingRef} tabIndex={-1} className="focus:outline-none">
            {title}
          </CardTitle>
          <CardDescription>{description}</CardDescription>
        </div>
        {action}
      </CardHeader>
      <CardContent>
        {query.isPending ? (
          <p className="text-sm text-muted-foreground">{loading}</p>
        ) : query.error ? (
          <Alert variant="destructive" role="alert">
            {loadFailed(query.error.message)}
          </Alert>
        ) : query.data?.length === 0 ? (
          <p className="text-sm text-muted-foreground">{empty}</p>
        ) : (
          children
        )}
      </CardContent>
    </Card>
  );
}

/**
 * A list's create dialog: the form around the namespace's create texts (the button, title,
 * description and the submit label, "…ing" while the request runs).
 */
export function ListCreateDialog({
  namespace,
  busy,
  ...form
}: { namespace: "users" | "tokens" } & Omit<
  React.ComponentProps<typeof FormDialog>,
  "trigger" | "title" | "description" | "confirmLabel"
>) {
  const t = useTranslations(namespace);
  return (
    <FormDialog
      {...form}
      busy={busy}
      trigger={<Button>{t("create")}</Button>}
      title={t("createTitle")}
      description={t("createDescription")}
      confirmLabel={busy ? t("creating") : t("createConfirm")}
    />
  );
}
