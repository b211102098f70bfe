"use client";

import { useTranslations } from "next-intl";
import { useEffect, useRef, useState } from "react";
import { DateTime } from "~/components/format/date-time";
import { useFormatBytes } from "~/components/format/use-format";
import { ActionDialog } from "~/components/ui/action-dialog";
import { Alert } from "~/components/ui/alert";
import { Badge } from "~/components/ui/badge";
import { Button, RowButton } from "~/components/ui/button";
import { Table, TableBody, TableCell, TableColumns, TableRow } from "~/components/ui/table";
import { describeError } from "~/components/ui/trpc-error";
import { isSnapshotKind } from "~/shared/snapshot-kinds";
import { api } from "~/trpc/react";
import { ImportArchiveForm, type ImportRequest } from "./import-archive-form";
import type { RemoteArchiveView, StorageTargetView } from "./target-draft";

/**
 * What a target holds, for disaster recovery: every archive Berth wrote there, described by the
 * `.json` beside it, each importable into a workload of this install. The dialog cannot be
 * closed while an import runs.
 */
export function BrowseTargetDialog({ target }: { target: StorageTargetView }) {
  const t = useTranslations("storageTargets.browse");
  const [open, setOpen] = useState(false);
  const [chosen, setChosen] = useState<RemoteArchiveView | null>(null);
  const utils = api.useUtils();
  const archives = api.storageTarget.browse.useQuery(
    { id: target.id },
    // Each look is a connection to the target: only while open, and a failure is shown, not retried.
    { enabled: open, retry: false, refetchOnWindowFocus: false, staleTime: 0 },
  );
  const importing: ImportRequest = api.storageTarget.importArchive.useMutation({
    // Not awaited: listing the target again is another connection, and the result should not wait for it.
    onSuccess: () => {
      void Promise.all([
        utils.storageTarget.browse.invalidate({ id: target.id }),
        utils.snapshot.list.invalidate(),
        utils.snapshot.copies.invalidate(),
        utils.dashboard.overview.invalidate(),
      ]);
    },
  });

  function close() {
    setOpen(false);
    setChosen(null);
    importing.reset();
  }

  return (
    <ActionDialog
      open={open}
      onOpenChange={(next) => (next ? setOpen(true) : close())}
      busy={importing.isPending}
      className="max-w-4xl"
      trigger={
        <RowButton label={t("openName", { name: target.name })} data-testid={`storage-target-browse-${target.id}`}>
          {t("open")}
        </RowButton>
      }
      title={t("title", { name: target.name })}
      description={t("description")}
    >
      {chosen ? (
        <ImportArchiveForm
          target={target}
          archive={chosen}
          request={importing}
          onBack={() => {
            importing.reset();
            setChosen(null);
          }}
          onClose={close}
        />
      ) : (
        <ArchiveList target={target} query={archives} onImport={setChosen} />
      )}
    </ActionDialog>
  );
}

function ArchiveList({
  target,
  query,
  onImport,
}: {
  target: StorageTargetView;
  query: {
    data?: RemoteArchiveView[];
    error: Parameters<typeof describeError>[0];
    isPending: boolean;
    isFetching: boolean;
    refetch: () => unknown;
  };
  onImport: (archive: RemoteArchiveView) => void;
}) {
  const t = useTranslations("storageTargets.browse");
  const ts = useTranslations("snapshots");
  const bytes = useFormatBytes();
  const heading = useRef<HTMLHeadingElement>(null);
  // Back from an import: focus lands on the list's heading, not on the page.
  useEffect(() => heading.current?.focus(), []);
  const error = describeError(query.error);
  const list = query.data;
  return (
    <section className="flex flex-col gap-3" aria-labelledby={`remote-archives-${target.id}`} aria-busy={query.isFetching || undefined}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 id={`remote-archives-${target.id}`} ref={heading} tabIndex={-1} className="text-sm font-semibold focus:outline-none">
          {t("listTitle")}
        </h3>
        <Button variant="outline" size="sm" busy={query.isFetching} onClick={() => void query.refetch()}>
          {t("refresh")}
        </Button>
      </div>
      {query.isPending ? (
        <p role="status" className="text-sm text-muted-foreground">
          {t("loading")}
        </p>
      ) : error ? (
        <Alert variant="destructive" role="alert">
          {t("loadFailed", { message: error.message || t("loadFailedUnknown") })}
        </Alert>
      ) : !list || list.length === 0 ? (
        <p className="text-sm text-muted-foreground">{t("empty")}</p>
      ) : (
        <>
          <p className="text-xs text-muted-foreground">{t("badgesHint")}</p>
          <Table>
            <TableColumns
              columns={[
                t("columns.workload"),
                t("columns.label"),
                t("columns.taken"),
                { label: t("columns.size"), className: "text-right" },
                t("columns.status"),
              ]}
              actionsLabel={t("columns.actions")}
            />
            <TableBody>
              {list.map((archive) => {
                const d = archive.described;
                return (
                  <TableRow key={archive.name} data-testid={`remote-archive-${archive.snapshotId}`} className="align-top">
                    <TableCell className="break-words">
                      {d ? (
                        <span className="font-mono">{d.workloadName}</span>
                      ) : (
                        <span className="text-muted-foreground">{t("undescribed")}</span>
                      )}
                      <span className="block font-mono text-xs break-all text-muted-foreground">{archive.name}</span>
                    </TableCell>
                    <TableCell className="break-words">
                      {d ? d.label || <span className="text-muted-foreground">{t("noLabel")}</span> : "—"}
                      {d && isSnapshotKind(d.kind) ? (
                        <span className="block text-xs text-muted-foreground">{ts(`kinds.${d.kind}`)}</span>
                      ) : null}
                    </TableCell>
                    <TableCell className="whitespace-nowrap">{d ? <DateTime value={d.createdAt} /> : "—"}</TableCell>
                    <TableCell className="text-right whitespace-nowrap tabular-nums">{bytes(archive.size)}</TableCell>
                    <TableCell>
                      <span className="flex flex-wrap gap-1">
                        {archive.here ? <Badge variant="success">{t("here")}</Badge> : null}
                        {archive.known ? <Badge variant="secondary">{t("known")}</Badge> : null}
                      </span>
                    </TableCell>
                    <TableCell className="text-right">
                      <RowButton
                        label={t("importName", { name: d ? `${d.workloadName} ${d.label}`.trim() : archive.name })}
                        data-testid={`remote-archive-import-${archive.snapshotId}`}
                        onClick={() => onImport(archive)}
                      >
                        {t("import")}
                      </RowButton>
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        </>
      )}
    </section>
  );
}
