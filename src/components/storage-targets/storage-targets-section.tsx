"use client";

import { useTranslations } from "next-intl";
import { useRef } from "react";
import { RelativeTime } from "~/components/format/date-time";
import { PolicySummary } from "~/components/retention/policy-summary";
import { ListSection } from "~/components/settings/list-section";
import { Badge } from "~/components/ui/badge";
import { RowButton } from "~/components/ui/button";
import { ConfirmDialog } from "~/components/ui/form-dialog";
import { Table, TableBody, TableCell, TableColumns, TableRow } from "~/components/ui/table";
import { describeError, reasonText, type Translator } from "~/components/ui/trpc-error";
import { useRequestDialog } from "~/components/ui/use-request-dialog";
import { api } from "~/trpc/react";
import { BrowseTargetDialog } from "./browse-target-dialog";
import { StorageTargetDialog } from "./storage-target-dialog";
import type { StorageTargetView } from "./target-draft";
import { TestTargetButton } from "./test-target-button";

/** Where off-host copies go (admins): the list with each target's last check, and add, test, browse, edit, delete. */
export function StorageTargetsSection() {
  const t = useTranslations("storageTargets");
  const targets = api.storageTarget.list.useQuery();
  const headingRef = useRef<HTMLHeadingElement>(null);
  // "3 hours ago" counts from when the list was fetched: the server's render and the browser's agree.
  const now = new Date(targets.dataUpdatedAt);

  return (
    <div data-testid="storage-targets-section">
      <ListSection
        headingRef={headingRef}
        title={t("title")}
        description={t("description")}
        action={<StorageTargetDialog />}
        query={targets}
        loading={t("loading")}
        loadFailed={(message) => t("loadFailed", { message })}
        empty={t("empty")}
      >
        <Table>
          <TableColumns
            columns={[
              t("columns.name"),
              t("columns.kind"),
              t("columns.where"),
              t("columns.hostKey"),
              t("columns.credential"),
              t("columns.retention"),
              t("columns.lastCheck"),
              t("columns.state"),
            ]}
            actionsLabel={t("columns.actions")}
          />
          <TableBody>
            {targets.data?.map((target) => (
              <StorageTargetRow key={target.id} target={target} now={now} onGone={() => headingRef.current?.focus()} />
            ))}
          </TableBody>
        </Table>
      </ListSection>
    </div>
  );
}

/** `user@host:port folder` for SFTP, the folder for a local one. */
export const targetWhere = (target: StorageTargetView) =>
  target.kind === "sftp" ? `${target.username}@${target.host}:${target.port} ${target.folder}` : target.folder;

function StorageTargetRow({ target, now, onGone }: { target: StorageTargetView; now: Date; onGone: () => void }) {
  const t = useTranslations("storageTargets");
  return (
    <TableRow data-testid={`storage-target-row-${target.id}`} className="align-top">
      <TableCell className="font-medium break-words">{target.name}</TableCell>
      <TableCell className="whitespace-nowrap">{target.kind === "sftp" ? t("kinds.sftp") : t("kinds.local")}</TableCell>
      <TableCell className="font-mono text-xs break-all">{targetWhere(target)}</TableCell>
      <TableCell className="max-w-[14rem]">
        {target.kind === "local" ? (
          <span className="text-muted-foreground">{t("hostKeyNone")}</span>
        ) : target.hostKey ? (
          <code className="font-mono text-xs break-all">{target.hostKey}</code>
        ) : (
          <span className="text-muted-foreground">{t("hostKeyNotPinned")}</span>
        )}
      </TableCell>
      <TableCell className="whitespace-nowrap">
        {target.kind === "local" ? (
          <span className="text-muted-foreground">{t("credentialNone")}</span>
        ) : target.auth === "key" ? (
          t("credentials.key")
        ) : target.auth === "password" ? (
          t("credentials.password")
        ) : (
          <Badge variant="warning">{t("credentials.unreadable")}</Badge>
        )}
      </TableCell>
      <TableCell className="max-w-xs">
        {target.retention ? (
          <PolicySummary policy={target.retention} />
        ) : (
          <span className="text-sm text-muted-foreground">{t("retentionNone")}</span>
        )}
      </TableCell>
      <TableCell>
        <LastCheck target={target} now={now} />
      </TableCell>
      <TableCell>
        <Badge variant={target.enabled ? "success" : "secondary"}>{target.enabled ? t("enabled") : t("disabled")}</Badge>
      </TableCell>
      <TableCell>
        <div className="flex flex-wrap justify-end gap-2">
          <TestTargetButton target={target} />
          <BrowseTargetDialog target={target} />
          <StorageTargetDialog target={target} />
          <DeleteStorageTargetDialog target={target} onGone={onGone} />
        </div>
      </TableCell>
    </TableRow>
  );
}

function LastCheck({ target, now }: { target: StorageTargetView; now: Date }) {
  const t = useTranslations("storageTargets");
  const root = useTranslations() as unknown as Translator;
  if (!target.lastCheckAt) return <span className="text-muted-foreground">{t("neverChecked")}</span>;
  const failed = target.lastOutcome === "failed";
  return (
    <span className="inline-flex max-w-xs flex-col items-start gap-0.5">
      <Badge variant={failed ? "destructive" : "success"}>{failed ? t("checkFailed") : t("checkOk")}</Badge>
      <span className="text-xs text-muted-foreground">
        <RelativeTime value={target.lastCheckAt} now={now} />
      </span>
      {failed ? (
        <span className="text-xs break-words">{reasonText(root, target.lastReason, target.lastParams, t("failedUnknown"))}</span>
      ) : null}
    </span>
  );
}

function DeleteStorageTargetDialog({ target, onGone }: { target: StorageTargetView; onGone: () => void }) {
  const t = useTranslations("storageTargets");
  const tc = useTranslations("common");
  const dialog = useRequestDialog();
  const utils = api.useUtils();
  // Its copies and copy rules go with it: lists that show them are refreshed too.
  const refresh = () =>
    Promise.all([utils.storageTarget.list.invalidate(), utils.storageTarget.copyPolicy.invalidate(), utils.snapshot.copies.invalidate()]);
  const remove = api.storageTarget.delete.useMutation({ onSuccess: () => dialog.closeAfter(refresh) });
  const error = describeError(remove.error);
  return (
    <ConfirmDialog
      {...dialog.bind(remove)}
      trigger={<RowButton label={t("deleteName", { name: target.name })}>{tc("delete")}</RowButton>}
      title={t("deleteTitle")}
      description={t("deleteDescription", { name: target.name })}
      // The row (and its button) is gone after a delete: land on the section's heading.
      onTriggerGone={onGone}
      error={error ? error.message || t("deleteFailed") : null}
      confirmLabel={remove.isPending ? t("deleting") : t("deleteConfirm")}
      onConfirm={() => remove.mutate({ id: target.id })}
    />
  );
}
