"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { type CopyView, copiesBySnapshot } from "~/components/off-host/options";
import { DateTime } from "~/components/format/date-time";
import { useFormatBytes } from "~/components/format/use-format";
import { ActionDialog } from "~/components/ui/action-dialog";
import { Badge } from "~/components/ui/badge";
import { Button, buttonVariants, RowButton } from "~/components/ui/button";
import { DialogClose, DialogFooter } from "~/components/ui/dialog";
import { Table, TableBody, TableCell, TableColumns, TableRow } from "~/components/ui/table";
import type { WorkloadView } from "~/components/workloads/options";
import { api } from "~/trpc/react";
import { type DeletedSnapshot, DeleteSnapshotDialog } from "./delete-snapshot-dialog";
import { downloadUrl, isSkippedEntryType, isSnapshotKind, type SnapshotView, skippedCount } from "./options";
import { PinIcon, PinSnapshotButton } from "./pin-snapshot-button";
import { RestoreDialog } from "./restore-dialog";
import { CopiesBadge, VerificationBadge } from "./snapshot-checks";
import { SnapshotChecksMenu } from "./snapshot-checks-menu";
import { useSnapshotName } from "./snapshot-name";
import { type Verified, VerifiedNotice } from "./verify-snapshot";

export function KindBadge({ kind }: { kind: string }) {
  const t = useTranslations("snapshots");
  const variant = kind === "imported" ? "default" : kind === "pre-restore" ? "outline" : "secondary";
  return (
    <Badge variant={variant} title={kind === "pre-restore" ? t("preRestoreHint") : undefined}>
      {isSnapshotKind(kind) ? t(`kinds.${kind}`) : kind}
    </Badge>
  );
}

/**
 * Snapshots newest first: label and the volumes inside, kind, size, when and by whom, and
 * what to know about it (pinned, the copy Undo restores, taken while running, entries
 * skipped, the last verification, its copies off the host). Admins get restore and test
 * restore (when the workload is known), verify, pin, the download link and delete.
 */
export function SnapshotsTable({
  snapshots,
  workloadId,
  workload,
  undoCopyId,
  isAdmin,
  onDeleted,
  focusAfterDelete,
  now,
}: {
  snapshots: SnapshotView[];
  workloadId: string;
  /** the snapshots' workload, when known: admins can then restore them */
  workload: WorkloadView | undefined;
  /** the pre-restore snapshot the restore history's Undo would restore */
  undoCopyId: string | null;
  isAdmin: boolean;
  onDeleted: (deleted: DeletedSnapshot) => void;
  focusAfterDelete: () => void;
  /** when the list was read (the server's time on the first render): "verified 2 h ago" counts from it */
  now: Date;
}) {
  const t = useTranslations("snapshots");
  // One restore dialog for the table, outside the rows: a restore can prune the row it started from.
  const [restoring, setRestoring] = useState<SnapshotView | null>(null);
  const [restoreOpen, setRestoreOpen] = useState(false);
  const [verified, setVerified] = useState<Verified | null>(null);
  // One query for the whole table, grouped here.
  const copies = api.snapshot.copies.useQuery({ workloadId });
  const copiesOf = copiesBySnapshot(copies.data ?? []);
  return (
    <>
      {verified ? <VerifiedNotice verified={verified} onDismiss={() => setVerified(null)} /> : null}
      <Table>
        <TableColumns
          columns={[
            t("columns.label"),
            t("columns.kind"),
            { label: t("columns.size"), className: "text-right" },
            t("columns.created"),
            t("columns.createdBy"),
            t("columns.notes"),
          ]}
          actionsLabel={isAdmin ? t("columns.actions") : undefined}
        />
        <TableBody>
          {snapshots.map((s) => (
            <SnapshotRow
              key={s.id}
              snapshot={s}
              canRestore={!!workload}
              onRestore={() => {
                setRestoring(s);
                setRestoreOpen(true);
              }}
              isUndoCopy={s.id === undoCopyId}
              isAdmin={isAdmin}
              onDeleted={onDeleted}
              focusAfterDelete={focusAfterDelete}
              copies={copiesOf.get(s.id)}
              now={now}
              onVerified={setVerified}
            />
          ))}
        </TableBody>
      </Table>
      {workload && restoring ? (
        <RestoreDialog
          key={restoring.id}
          workload={workload}
          snapshot={restoring}
          purpose="restore"
          open={restoreOpen}
          onOpenChange={setRestoreOpen}
        />
      ) : null}
    </>
  );
}

function SnapshotRow({
  snapshot: s,
  canRestore,
  onRestore,
  isUndoCopy,
  isAdmin,
  onDeleted,
  focusAfterDelete,
  copies,
  now,
  onVerified,
}: {
  snapshot: SnapshotView;
  canRestore: boolean;
  onRestore: () => void;
  isUndoCopy: boolean;
  isAdmin: boolean;
  onDeleted: (deleted: DeletedSnapshot) => void;
  focusAfterDelete: () => void;
  copies: CopyView[] | undefined;
  now: Date;
  onVerified: (verified: Verified) => void;
}) {
  const t = useTranslations("snapshots");
  const tr = useTranslations("restoreDialog");
  const bytes = useFormatBytes();
  const name = useSnapshotName()(s);
  const skipped = skippedCount(s.manifest);
  // An import the admin trusted with setuid/setgid: worth seeing before a restore.
  const keepsSpecialBits = s.kind === "imported" && s.keepSpecialBits === true;
  return (
    <TableRow>
      <TableCell className="max-w-[18rem] min-w-[7rem]">
        <div className="flex flex-col gap-0.5">
          {s.label ? (
            <span className="font-medium break-words">{s.label}</span>
          ) : (
            <span className="text-muted-foreground">{t("noLabel")}</span>
          )}
          {s.manifest.volumes.length > 0 ? (
            <span className="font-mono text-xs break-all text-muted-foreground" title={t("volumesInside")}>
              <span className="sr-only">{t("volumesInside")}: </span>
              <span>{s.manifest.volumes.map((v) => v.target).join(", ")}</span>
            </span>
          ) : null}
        </div>
      </TableCell>
      <TableCell>
        <KindBadge kind={s.kind} />
      </TableCell>
      <TableCell className="text-right whitespace-nowrap tabular-nums" title={t("sizeExact", { bytes: Number(s.size) })}>
        {bytes(s.size)}
      </TableCell>
      <TableCell className="min-w-[7rem]">
        {/* An import shows when its archive was taken (its manifest) beside when it arrived here. */}
        {s.takenAt ? (
          <span data-testid="snapshot-taken-imported">
            {t.rich("takenImported", {
              taken: () => <DateTime value={s.takenAt!} />,
              imported: () => <DateTime value={s.createdAt} />,
            })}
          </span>
        ) : (
          <DateTime value={s.createdAt} />
        )}
      </TableCell>
      <TableCell className="break-words">
        <BreakableName name={s.createdBy} />
      </TableCell>
      <TableCell>
        {/* Its badges may wrap, so that the row's buttons keep their line when space is short. */}
        <div className="flex flex-wrap items-center gap-1.5">
          {s.pinned ? (
            <Badge variant="secondary" className="whitespace-normal gap-1" title={t("pinnedHint")}>
              <PinIcon filled />
              {t("pinned")}
            </Badge>
          ) : null}
          {isUndoCopy ? (
            <Badge className="whitespace-normal" variant="success" title={t("undoCopyHint")}>
              {t("undoCopy")}
            </Badge>
          ) : null}
          {s.fileMissing ? (
            <Badge className="whitespace-normal" variant="destructive" title={t("fileMissingHint")}>
              {t("fileMissing")}
            </Badge>
          ) : null}
          {s.capturedLive ? (
            <Badge variant="outline" className="whitespace-normal border-warning-border" title={t("capturedLiveHint")}>
              {t("capturedLive")}
            </Badge>
          ) : null}
          {keepsSpecialBits ? (
            <Badge variant="outline" className="whitespace-normal border-warning-border" title={t("keepsSpecialBitsHint")}>
              {t("keepsSpecialBits")}
            </Badge>
          ) : null}
          {skipped > 0 ? <SkippedEntriesDialog snapshot={s} name={name} count={skipped} /> : null}
          <VerificationBadge snapshot={s} now={now} />
          <CopiesBadge copies={copies} />
          {!s.pinned &&
          !isUndoCopy &&
          !s.fileMissing &&
          !s.capturedLive &&
          !keepsSpecialBits &&
          skipped === 0 &&
          !s.verifiedAt &&
          !copies?.length ? (
            <span className="text-muted-foreground">{t("noNotes")}</span>
          ) : null}
        </div>
      </TableCell>
      {isAdmin ? (
        <TableCell className="text-right">
          {/* One line of buttons; on a narrow screen the row is a card and they wrap (globals.css). */}
          <div className="flex flex-nowrap items-start justify-end gap-2">
            {canRestore && !s.fileMissing ? (
              <RowButton label={tr("openName", { name })} onClick={onRestore}>
                {tr("open")}
              </RowButton>
            ) : null}
            <SnapshotChecksMenu snapshot={s} name={name} canTestRestore={canRestore && !s.fileMissing} onVerified={onVerified} />
            <PinSnapshotButton snapshot={s} name={name} />
            {s.fileMissing ? null : (
              <a
                href={downloadUrl(s.id)}
                download
                className={buttonVariants({ variant: "outline", size: "sm" })}
                aria-label={t("downloadName", { name })}
              >
                {t("download")}
              </a>
            )}
            <DeleteSnapshotDialog snapshot={s} name={name} onDeleted={onDeleted} focusAfterDelete={focusAfterDelete} />
          </div>
        </TableCell>
      ) : null}
    </TableRow>
  );
}

/** What the archive leaves out (sockets, devices, unstorable links and names), entry by entry. */
function SkippedEntriesDialog({ snapshot: s, name, count }: { snapshot: SnapshotView; name: string; count: number }) {
  const t = useTranslations("snapshots");
  const tc = useTranslations("common");
  const targetOf = (volume: number | string) =>
    typeof volume === "number" ? (s.manifest.volumes.find((v) => v.index === volume)?.target ?? `#${volume}`) : volume;
  const unlisted = count - s.manifest.skipped.length;
  return (
    <ActionDialog
      className="max-w-2xl"
      trigger={
        <Button variant="link" size="sm" className="h-auto px-0 py-0 text-xs" aria-label={t("skippedShow", { count, name })}>
          {t("skippedCount", { count })}
        </Button>
      }
      title={t("skippedTitle", { name })}
      description={t("skippedDescription")}
    >
      <div className="max-h-[50vh] overflow-y-auto">
        <Table>
          <TableColumns columns={[t("skippedColumns.volume"), t("skippedColumns.path"), t("skippedColumns.type")]} />
          <TableBody>
            {s.manifest.skipped.map((entry, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a fixed list that never reorders; the index only separates repeated paths.
              <TableRow key={`${entry.volume}:${entry.path}:${i}`}>
                <TableCell className="font-mono text-xs break-all">{targetOf(entry.volume)}</TableCell>
                <TableCell className="font-mono text-xs break-all">{entry.path}</TableCell>
                <TableCell className="whitespace-nowrap">
                  {isSkippedEntryType(entry.type) ? t(`skippedTypes.${entry.type}`) : entry.type}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
      {unlisted > 0 ? <p className="text-sm text-muted-foreground">{t("skippedUnlisted", { count: unlisted })}</p> : null}
      <DialogFooter>
        <DialogClose asChild>
          <Button variant="outline">{tc("close")}</Button>
        </DialogClose>
      </DialogFooter>
    </ActionDialog>
  );
}

/** A user or token name that may break after "@" or ":" (an email in a narrow column), never inside a word. */
function BreakableName({ name }: { name: string }) {
  const parts = name.split(/(?<=[@:])/);
  return (
    <>
      {parts.map((part, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed string, in order.
        <span key={i}>
          {i > 0 ? <wbr /> : null}
          {part}
        </span>
      ))}
    </>
  );
}
