"use client";

import { useTranslations } from "next-intl";
import { useEffect, useId, useRef, useState } from "react";
import { Alert } from "~/components/ui/alert";
import { DismissibleAlert } from "~/components/ui/dismissible-alert";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { describeError } from "~/components/ui/trpc-error";
import { api } from "~/trpc/react";
import { ApplyRetentionDialog, type ApplyResult } from "./apply-retention-dialog";
import { PolicySummary } from "./policy-summary";
import { RetentionForm } from "./retention-form";

type Notice = { type: "saved" } | { type: "applied"; result: ApplyResult };

/**
 * A workload's retention policy: in words for everyone; admins edit it (with a preview of
 * what it would delete) and apply it now.
 */
export function RetentionPanel({ workloadId, isAdmin }: { workloadId: string; isAdmin: boolean }) {
  const t = useTranslations("retention");
  const _tc = useTranslations("common");
  const titleId = useId();
  const policy = api.retention.get.useQuery({ workloadId });
  const [editing, setEditing] = useState(false);
  const [notice, setNotice] = useState<Notice | null>(null);
  const current = policy.data ?? null;
  // Focus follows the form: into it on Edit, back to Edit when it closes (its button was gone meanwhile).
  const editButton = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(false);
  useEffect(() => {
    if (wasEditing.current && !editing) editButton.current?.focus();
    wasEditing.current = editing;
  }, [editing]);

  return (
    <Card role="region" aria-labelledby={titleId} data-testid="retention-panel">
      <CardHeader className="flex-row flex-wrap items-start justify-between gap-3">
        <div className="flex flex-col gap-1.5">
          <CardTitle id={titleId}>{t("title")}</CardTitle>
          <CardDescription>{t("description")}</CardDescription>
        </div>
        {isAdmin && !editing && policy.isSuccess ? (
          <div className="flex flex-wrap items-start gap-2">
            <Button
              ref={editButton}
              variant="outline"
              onClick={() => {
                setNotice(null);
                setEditing(true);
              }}
            >
              {current ? t("edit") : t("create")}
            </Button>
            {current ? (
              <ApplyRetentionDialog
                workloadId={workloadId}
                policy={current}
                onApplied={(result) => setNotice({ type: "applied", result })}
              />
            ) : null}
          </div>
        ) : null}
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        {notice ? (
          <DismissibleAlert
            variant={notice.type === "applied" && notice.result.skipped ? "warning" : "success"}
            role="status"
            onDismiss={() => setNotice(null)}
          >
            {notice.type === "saved"
              ? t("saved")
              : notice.result.skipped === "restore-running"
                ? t("skippedRestoreRunning")
                : notice.result.skipped === "no-policy"
                  ? t("skippedNoPolicy")
                  : t("applied", { count: notice.result.removed.length })}
          </DismissibleAlert>
        ) : null}
        {policy.isPending ? (
          <p className="text-sm text-muted-foreground">{t("loading")}</p>
        ) : policy.isError ? (
          <Alert variant="destructive" role="alert">
            {t("loadFailed", { message: describeError(policy.error)?.message || policy.error.message })}
          </Alert>
        ) : editing ? (
          <RetentionForm
            workloadId={workloadId}
            current={current}
            onDone={(saved) => {
              setEditing(false);
              if (saved) setNotice({ type: "saved" });
            }}
          />
        ) : current ? (
          <PolicySummary policy={current} />
        ) : (
          <p className="text-sm">{t("none")}</p>
        )}
        <p className="text-xs text-muted-foreground">{t("guards")}</p>
      </CardContent>
    </Card>
  );
}
