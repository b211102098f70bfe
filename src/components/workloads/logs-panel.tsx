"use client";

import { useTranslations } from "next-intl";
import { useEffect, useId, useLayoutEffect, useRef, useState } from "react";
import { Alert } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { Select } from "~/components/ui/select";
import { api } from "~/trpc/react";
import type { ContainerStatus } from "./options";

export const LOGS_REFRESH_MS = 3_000;
const TAILS = [100, 200, 500, 1000, 2000] as const;

/**
 * The container's last lines, refetched every 3 s while the panel is open. It follows new
 * output while scrolled to the bottom and leaves the reader alone when they scrolled up.
 */
export function LogsPanel({ workloadId, status }: { workloadId: string; status: ContainerStatus }) {
  const t = useTranslations("workloadLogs");
  const [open, setOpen] = useState(true);
  const [tail, setTail] = useState<number>(200);
  const logs = api.workload.logs.useQuery(
    { id: workloadId, tail },
    // Changing the line count keeps the old output on screen until the new one arrives.
    { enabled: open, refetchInterval: open ? LOGS_REFRESH_MS : false, placeholderData: (previous) => previous },
  );
  const preRef = useRef<HTMLPreElement>(null);
  const stickToBottom = useRef(true);
  const titleId = useId();
  const bodyId = useId();
  const tailId = useId();

  // biome-ignore lint/correctness/useExhaustiveDependencies: new log text, or the panel opening, is what moves the scroll.
  useLayoutEffect(() => {
    const pre = preRef.current;
    if (pre && stickToBottom.current) pre.scrollTop = pre.scrollHeight;
  }, [logs.data, open]);
  useEffect(() => {
    if (!open) stickToBottom.current = true;
  }, [open]);

  const text = logs.data ?? "";
  return (
    <Card role="region" aria-labelledby={titleId}>
      <CardHeader className="flex-row flex-wrap items-start justify-between gap-3">
        <div className="flex flex-col gap-1.5">
          <CardTitle id={titleId}>{t("title")}</CardTitle>
          <CardDescription>
            {open ? t("description", { tail, seconds: LOGS_REFRESH_MS / 1000 }) : t("paused")}
            {open && logs.isFetching ? <span className="sr-only"> {t("refreshing")}</span> : null}
          </CardDescription>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          {open ? (
            <>
              <label htmlFor={tailId} className="text-sm text-muted-foreground">
                {t("lines")}
              </label>
              <Select id={tailId} value={tail} onChange={(e) => setTail(Number(e.target.value))}>
                {TAILS.map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </Select>
            </>
          ) : null}
          <Button variant="outline" size="sm" aria-expanded={open} aria-controls={bodyId} onClick={() => setOpen((o) => !o)}>
            {open ? t("hide") : t("show")}
          </Button>
        </div>
      </CardHeader>
      {open ? (
        <CardContent id={bodyId} className="flex flex-col gap-2">
          {logs.error ? (
            <Alert variant="destructive" role="alert">
              {t("loadFailed", { message: logs.error.message })}
            </Alert>
          ) : null}
          {logs.isPending ? (
            <p className="text-sm text-muted-foreground">{t("loading")}</p>
          ) : text === "" ? (
            <p className="text-sm text-muted-foreground">{status.state === "missing" ? t("notDeployed") : t("empty")}</p>
          ) : (
            // biome-ignore lint/a11y/useAriaPropsSupportedByRole: the label names the focusable region below for screen readers.
            <pre
              ref={preRef}
              // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be keyboard-reachable to scroll (WCAG 2.1.1).
              tabIndex={0}
              aria-label={t("outputLabel")}
              onScroll={(e) => {
                const el = e.currentTarget;
                stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
              }}
              className="max-h-[28rem] overflow-auto rounded-md border border-border bg-muted p-3 font-mono text-xs leading-relaxed break-all whitespace-pre-wrap focus-visible:outline-2 focus-visible:outline-ring"
            >
              {text}
            </pre>
          )}
        </CardContent>
      ) : null}
    </Card>
  );
}
