"use client";

import { useTranslations } from "next-intl";
import { useRef } from "react";
import { DateTime } from "~/components/format/date-time";
import { Badge } from "~/components/ui/badge";
import { RowButton } from "~/components/ui/button";
import { ConfirmDialog } from "~/components/ui/form-dialog";
import { Table, TableBody, TableCell, TableColumns, TableRow } from "~/components/ui/table";
import { RowCheckButton } from "~/components/ui/row-check-button";
import { describeError, reasonText, type Translator } from "~/components/ui/trpc-error";
import { useRequestDialog } from "~/components/ui/use-request-dialog";
import { api } from "~/trpc/react";
import { AlertTargetDialog, type AlertTargetView } from "./alert-target-dialog";
import { ListSection } from "./list-section";

/** Webhook targets for alerts (admins): the list with each one's last delivery, and add, edit, test, delete. */
export function AlertTargetsSection() {
  const t = useTranslations("alerts");
  const targets = api.alertTarget.list.useQuery();
  const headingRef = useRef<HTMLHeadingElement>(null);

  return (
    <div data-testid="alert-targets-section">
      <ListSection
        headingRef={headingRef}
        title={t("title")}
        description={t("description")}
        action={<AlertTargetDialog />}
        query={targets}
        loading={t("loading")}
        loadFailed={(message) => t("loadFailed", { message })}
        empty={t("empty")}
      >
        <Table>
          <TableColumns
            columns={[
              t("columns.name"),
              t("columns.format"),
              t("columns.receiver"),
              t("columns.events"),
              t("columns.state"),
              t("columns.lastDelivery"),
            ]}
            actionsLabel={t("columns.actions")}
          />
          <TableBody>
            {targets.data?.map((target) => (
              <AlertTargetRow key={target.id} target={target} onGone={() => headingRef.current?.focus()} />
            ))}
          </TableBody>
        </Table>
      </ListSection>
    </div>
  );
}

function AlertTargetRow({ target, onGone }: { target: AlertTargetView; onGone: () => void }) {
  const t = useTranslations("alerts");
  return (
    <TableRow data-testid={`alert-target-row-${target.id}`} className="align-top">
      <TableCell className="font-medium break-words">{target.name}</TableCell>
      <TableCell className="whitespace-nowrap">{t(`formats.${target.format}`)}</TableCell>
      <TableCell className="font-mono text-xs break-all">{target.urlPreview}</TableCell>
      <TableCell>
        <ul className="flex max-w-xs flex-wrap gap-1" aria-label={t("eventsOf", { name: target.name })}>
          {target.events.map((event) => (
            <li key={event}>
              <Badge variant={event.endsWith("-succeeded") ? "success" : "secondary"}>{t(`events.${event}`)}</Badge>
            </li>
          ))}
        </ul>
      </TableCell>
      <TableCell>
        <Badge variant={target.enabled ? "success" : "secondary"}>{target.enabled ? t("enabled") : t("paused")}</Badge>
      </TableCell>
      <TableCell>
        <LastDelivery target={target} />
      </TableCell>
      <TableCell>
        <div className="flex flex-wrap justify-end gap-2">
          <SendTestButton target={target} />
          <AlertTargetDialog target={target} />
          <DeleteAlertTargetDialog target={target} onGone={onGone} />
        </div>
      </TableCell>
    </TableRow>
  );
}

function LastDelivery({ target }: { target: AlertTargetView }) {
  const t = useTranslations("alerts");
  const root = useTranslations() as unknown as Translator;
  if (!target.lastDeliveryAt) return <span className="text-muted-foreground">{t("never")}</span>;
  const failed = target.lastOutcome === "failed";
  return (
    <span className="inline-flex max-w-xs flex-col items-start gap-0.5">
      <Badge variant={failed ? "destructive" : "success"}>{failed ? t("lastFailed") : t("lastDelivered")}</Badge>
      <span className="text-xs text-muted-foreground">
        <DateTime value={target.lastDeliveryAt} />
      </span>
      {failed ? (
        <span className="text-xs break-words">{reasonText(root, target.lastReason, target.lastParams, t("failedUnknown"))}</span>
      ) : null}
    </span>
  );
}

/** Sends one test notice and says, beside the button, how it went (the list's last delivery follows). */
function SendTestButton({ target }: { target: AlertTargetView }) {
  const t = useTranslations("alerts");
  const root = useTranslations() as unknown as Translator;
  const utils = api.useUtils();
  const test = api.alertTarget.test.useMutation({ onSettled: () => utils.alertTarget.list.invalidate() });
  const result = test.data;
  const requestError = describeError(test.error);
  const outcome = requestError
    ? { ok: false, text: t("testRequestFailed", { message: requestError.message }) }
    : result?.delivered
      ? { ok: true, text: result.status === undefined ? t("testDeliveredNoStatus") : t("testDelivered", { status: result.status }) }
      : result
        ? { ok: false, text: t("testFailed", { message: reasonText(root, result.reason, result.params, t("failedUnknown")) }) }
        : null;
  return (
    <RowCheckButton
      label={t("testName", { name: target.name })}
      testId={`alert-target-test-${target.id}`}
      pending={test.isPending}
      onClick={() => test.mutate({ id: target.id })}
      outcome={outcome}
    >
      {test.isPending ? t("testing") : t("test")}
    </RowCheckButton>
  );
}

function DeleteAlertTargetDialog({ target, onGone }: { target: AlertTargetView; onGone: () => void }) {
  const t = useTranslations("alerts");
  const tc = useTranslations("common");
  const dialog = useRequestDialog();
  const utils = api.useUtils();
  const remove = api.alertTarget.delete.useMutation({ onSuccess: () => dialog.closeAfter(() => utils.alertTarget.list.invalidate()) });
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
