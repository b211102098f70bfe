"use client";

import { useTranslations } from "next-intl";
import { DateTime } from "~/components/format/date-time";
import { useFormatBytes } from "~/components/format/use-format";
import type { SnapshotView } from "~/components/snapshots/options";
import { ProgressBar, type TrackedOperation, useOperationReadout } from "~/components/snapshots/snapshot-progress";
import { useSnapshotName } from "~/components/snapshots/snapshot-name";
import { Badge } from "~/components/ui/badge";
import { RowButton } from "~/components/ui/button";
import { Table, TableBody, TableCell, TableColumns, TableRow } from "~/components/ui/table";
import { describeError, reasonText, type Translator } from "~/components/ui/trpc-error";
import { api } from "~/trpc/react";
import { FetchBackDialog } from "./fetch-back-dialog";
import { COPY_STATE_BADGE, canFetchBack, canRetryCopy, type CopyView } from "./options";
import { useCopyStateLabels, useStorageKindLabels } from "./labels";

/**
 * Every copy of the workload's snapshots (those pruned here included), newest snapshot first:
 * the snapshot, the target, how the copy stands (with its live progress, or why it failed and
 * when it is tried next), its size and when it was copied and last verified. Admins retry a
 * failed copy and fetch a good one back when this server lacks the snapshot.
 */
export function CopiesTable({
  copies,
  snapshots,
  isAdmin,
  progressOf,
  fetching,
  onFetched,
}: {
  copies: readonly CopyView[];
  /** the workload's snapshots on this server, by id */
  snapshots: ReadonlyMap<string, SnapshotView>;
  isAdmin: boolean;
  progressOf: (copyId: string) => TrackedOperation | null;
  fetching: TrackedOperation | null;
  onFetched: (snapshot: SnapshotView) => void;
}) {
  const t = useTranslations("offHost.copies");
  return (
    <Table>
      <TableColumns
        columns={[
          t("columns.snapshot"),
          t("columns.target"),
          t("columns.state"),
          { label: t("columns.size"), className: "text-right" },
          t("columns.copied"),
          t("columns.verified"),
        ]}
        actionsLabel={isAdmin ? t("columns.actions") : undefined}
      />
      <TableBody>
        {copies.map((copy) => (
          <CopyRow
            key={copy.id}
            copy={copy}
            local={snapshots.get(copy.snapshotId)}
            isAdmin={isAdmin}
            progress={progressOf(copy.id)}
            fetching={fetching}
            onFetched={onFetched}
          />
        ))}
      </TableBody>
    </Table>
  );
}

function CopyRow({
  copy,
  local,
  isAdmin,
  progress,
  fetching,
  onFetched,
}: {
  copy: CopyView;
  local: SnapshotView | undefined;
  isAdmin: boolean;
  progress: TrackedOperation | null;
  fetching: TrackedOperation | null;
  onFetched: (snapshot: SnapshotView) => void;
}) {
  const t = useTranslations("offHost.copies");
  const kinds = useStorageKindLabels();
  const bytes = useFormatBytes();
  const name = useSnapshotName()({ label: copy.label, createdAt: copy.snapshotCreatedAt });
  const retryable = canRetryCopy(copy, local);
  const fetchable = canFetchBack(copy, local);
  return (
    <TableRow data-testid={`copy-row-${copy.id}`} data-state={copy.state} className="align-top">
      <TableCell className="max-w-[16rem] min-w-[8rem]">
        <span className="flex flex-col gap-0.5">
          <span className="font-medium break-words">{name}</span>
          {!local ? (
            <span className="text-xs text-muted-foreground">{t("notHere")}</span>
          ) : local.fileMissing ? (
            <span className="text-xs text-destructive-soft-foreground">{t("fileMissingHere")}</span>
          ) : null}
        </span>
      </TableCell>
      <TableCell className="break-words">
        <span className="flex flex-col gap-0.5">
          <span>{copy.targetName}</span>
          <span className="text-xs text-muted-foreground">{kinds[copy.targetKind]}</span>
        </span>
      </TableCell>
      <TableCell className="min-w-[10rem]">
        <CopyState copy={copy} progress={progress} />
      </TableCell>
      <TableCell className="text-right whitespace-nowrap tabular-nums">{bytes(copy.size)}</TableCell>
      <TableCell className="min-w-[7rem] text-sm">
        {copy.copiedAt ? <DateTime value={copy.copiedAt} /> : <span className="text-muted-foreground">—</span>}
      </TableCell>
      <TableCell className="min-w-[7rem] text-sm">
        {copy.verifiedAt ? <DateTime value={copy.verifiedAt} /> : <span className="text-muted-foreground">—</span>}
      </TableCell>
      {isAdmin ? (
        <TableCell className="text-right">
          <div className="flex flex-nowrap justify-end gap-2">
            {retryable ? <RetryCopyButton copy={copy} name={name} /> : null}
            {fetchable ? <FetchBackDialog copy={copy} name={name} fetching={fetching} onFetched={onFetched} /> : null}
          </div>
        </TableCell>
      ) : null}
    </TableRow>
  );
}

/** The state badge; under it the running copy's bar, the next try of a queued retry, or why it failed. */
function CopyState({ copy, progress }: { copy: CopyView; progress: TrackedOperation | null }) {
  const t = useTranslations("offHost.copies");
  const states = useCopyStateLabels();
  const root = useTranslations() as unknown as Translator;
  const why = copy.reason ? reasonText(root, copy.reason, copy.params, t("failedUnknown")) : null;
  return (
    <span className="flex flex-col items-start gap-1">
      <Badge variant={COPY_STATE_BADGE[copy.state]}>{states[copy.state]}</Badge>
      {progress ? <CopyProgress operation={progress} /> : null}
      {copy.state === "queued" && copy.nextAttemptAt && copy.attempts > 0 ? (
        <span className="text-xs text-muted-foreground">
          {t("nextTry", { attempt: copy.attempts + 1 })} <DateTime value={copy.nextAttemptAt} />
        </span>
      ) : null}
      {why && copy.state !== "verified" && copy.state !== "copying" ? (
        <span
          className={copy.state === "queued" ? "text-xs text-muted-foreground" : "text-xs break-words text-destructive-soft-foreground"}
        >
          {copy.state === "queued" ? t("lastTryFailed", { reason: why }) : why}
        </span>
      ) : null}
    </span>
  );
}

/** A copy's bar while it is written and re-read, with its phase and numbers. */
function CopyProgress({ operation }: { operation: TrackedOperation }) {
  const t = useTranslations("offHost.copies");
  const { phase, fraction, numbers } = useOperationReadout(operation);
  return (
    <span className="flex w-full min-w-[9rem] flex-col gap-1">
      <span className="text-xs text-muted-foreground">
        {phase}
        {numbers ? ` · ${numbers}` : null}
      </span>
      <ProgressBar fraction={fraction} label={t("progressLabel")} valueText={numbers || phase} />
    </span>
  );
}

/** Queues a failed, corrupt or missing copy again (to the same target); the list follows. */
function RetryCopyButton({ copy, name }: { copy: CopyView; name: string }) {
  const t = useTranslations("offHost.copies");
  const utils = api.useUtils();
  const retry = api.snapshot.copy.useMutation({ onSettled: () => utils.snapshot.copies.invalidate({ workloadId: copy.workloadId }) });
  const error = describeError(retry.error);
  return (
    <span className="inline-flex flex-col items-end gap-1">
      <RowButton
        label={t("retryName", { name, target: copy.targetName })}
        busy={retry.isPending}
        onClick={() => retry.mutate({ id: copy.snapshotId, targetId: copy.targetId })}
      >
        {t("retry")}
      </RowButton>
      {error ? (
        <span role="alert" className="max-w-[14rem] text-xs break-words text-destructive-soft-foreground">
          {t("retryFailed", { message: error.message })}
        </span>
      ) : null}
    </span>
  );
}
