"use client";

import { useTranslations } from "next-intl";
import { skipToken } from "@tanstack/react-query";
import { type ReactNode, useEffect, useState } from "react";
import { DateTime } from "~/components/format/date-time";
import { useFormatBytes } from "~/components/format/use-format";
import { Alert } from "~/components/ui/alert";
import { Table, TableBody, TableCell, TableColumns, TableRow } from "~/components/ui/table";
import { describeError } from "~/components/ui/trpc-error";
import { KindBadge } from "~/components/snapshots/snapshots-table";
import type { RetentionPolicy } from "~/shared/retention";
import { api } from "~/trpc/react";

const DEBOUNCE_MS = 400;

/** `value` once it has stopped changing for `ms` (compared as text, so an equal object does not restart the wait). */
function useSettled<T>(value: T, ms: number): { settled: T; waiting: boolean } {
  const key = JSON.stringify(value);
  const [settled, setSettled] = useState({ key, value });
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for `value` (an equal new object is no change)
  useEffect(() => {
    const timer = setTimeout(() => setSettled({ key, value }), ms);
    return () => clearTimeout(timer);
  }, [key, ms]);
  return { settled: settled.value, waiting: settled.key !== key };
}

/**
 * What a policy the admin is still editing would delete right now, asked of the server a
 * moment after the typing stops. Nothing is shown for a draft with mistakes, and an old
 * answer is never shown for a newer draft.
 */
export function RetentionPreview({ workloadId, policy }: { workloadId: string; policy: RetentionPolicy | null }) {
  const t = useTranslations("retention.preview");
  const bytes = useFormatBytes();
  const { settled, waiting } = useSettled(policy, DEBOUNCE_MS);
  const preview = api.retention.preview.useQuery(settled && !waiting ? { workloadId, policy: settled } : skipToken, { staleTime: 0 });

  let body: ReactNode;
  if (policy === null) body = <p className="text-sm text-muted-foreground">{t("fixFields")}</p>;
  else if (waiting || preview.isPending || preview.isFetching) body = <p className="text-sm text-muted-foreground">{t("waiting")}</p>;
  else if (!preview.data) {
    body = (
      <Alert variant="destructive" role="alert">
        {t("failed", { message: describeError(preview.error)?.message || preview.error?.message || "" })}
      </Alert>
    );
  } else {
    const { remove, keep } = preview.data;
    body = (
      <div className="flex flex-col gap-2" data-testid="retention-preview">
        <p role="status" className={remove.length > 0 ? "text-sm font-medium text-destructive-soft-foreground" : "text-sm font-medium"}>
          {remove.length > 0 ? t("count", { count: remove.length }) : t("nothing")}
          {" · "}
          {t("kept", { count: keep.length })}
        </p>
        {remove.length > 0 ? (
          <Table aria-label={t("listLabel")}>
            <TableColumns columns={[t("columns.snapshot"), t("columns.kind"), t("columns.taken"), t("columns.size")]} />
            <TableBody>
              {remove.map((s) => (
                <TableRow key={s.id} data-testid={`retention-remove-${s.id}`}>
                  <TableCell className="break-words">{s.label || <span className="text-muted-foreground">{t("noLabel")}</span>}</TableCell>
                  <TableCell>
                    <KindBadge kind={s.kind} />
                  </TableCell>
                  <TableCell className="whitespace-nowrap">
                    <DateTime value={s.createdAt} />
                  </TableCell>
                  <TableCell className="whitespace-nowrap">{bytes(s.size)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        ) : null}
      </div>
    );
  }
  return (
    <section aria-labelledby="retention-preview-title" aria-busy={waiting || preview.isFetching} className="flex flex-col gap-2">
      <h3 id="retention-preview-title" className="text-sm font-semibold">
        {t("title")}
      </h3>
      {body}
    </section>
  );
}
