"use client";

import { useFormatter, useTranslations } from "next-intl";
import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from "react";
import { Alert } from "~/components/ui/alert";
import { Button, buttonVariants } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { Input } from "~/components/ui/input";
import { Select } from "~/components/ui/select";
import { describeError } from "~/components/ui/trpc-error";
import type { LogLine } from "~/server/engine/container-runtime";
import { api } from "~/trpc/react";
import { newestTime, unseenLines } from "./log-follow";
import type { ContainerStatus } from "./options";

export const FOLLOW_POLL_MS = 2_000;
const TAILS = [100, 200, 500, 1000, 2000] as const;
/** A poll's most lines: the server's cap. */
const FOLLOW_TAIL = 2000;
/** Following appends; past this many lines the oldest go, so a chatty container cannot fill the tab's memory. */
const MAX_SHOWN = 5_000;

/**
 * The container's last lines with their times. Follow polls for the lines written since the
 * newest one shown and appends them, keeping to the bottom unless the reader scrolled up.
 * The search filters the shown lines; Download gets the whole log as a file.
 */
export function LogsPanel({ workloadId, status }: { workloadId: string; status: ContainerStatus }) {
  const t = useTranslations("workloadLogs");
  const [open, setOpen] = useState(true);
  const [tail, setTail] = useState<number>(200);
  // On at first: a deploy's or a restart's output shows up by itself; off to read a fixed tail.
  const [following, setFollowing] = useState(true);
  const [search, setSearch] = useState("");
  const [appended, setAppended] = useState<LogLine[]>([]);
  const [followError, setFollowError] = useState<Parameters<typeof describeError>[0]>(null);
  /** A poll came back full: more lines were written between two polls than one reads, some were never shown. */
  const [skipped, setSkipped] = useState(false);
  const logs = api.workload.logs.useQuery(
    { id: workloadId, tail },
    // Changing the line count keeps the old output on screen until the new one arrives.
    { enabled: open, refetchOnWindowFocus: false, placeholderData: (previous) => previous },
  );
  const utils = api.useUtils();
  const preRef = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const titleId = useId();
  const bodyId = useId();
  const tailId = useId();
  const searchId = useId();

  // A fresh tail replaces what following appended to the previous one.
  // biome-ignore lint/correctness/useExhaustiveDependencies: new base lines are what resets the appended ones.
  useEffect(() => {
    setAppended([]);
    setSkipped(false);
  }, [logs.data]);
  const lines = useMemo(() => [...(logs.data ?? []), ...appended].slice(-MAX_SHOWN), [logs.data, appended]);
  // The newest time seen, not the last line's: stdout and stderr arrive out of order.
  const newest = useRef<string | undefined>(undefined);
  const shownRef = useRef<LogLine[]>([]);
  newest.current = useMemo(() => newestTime(lines), [lines]);
  shownRef.current = lines;

  useEffect(() => {
    if (!open || !following || logs.isPending) return;
    let busy = false;
    const timer = setInterval(async () => {
      if (busy) return;
      busy = true;
      try {
        const since = newest.current;
        const fresh = await utils.client.workload.logs.query({ id: workloadId, tail: FOLLOW_TAIL, ...(since ? { since } : {}) });
        const unseen = unseenLines(shownRef.current, fresh);
        if (unseen.length > 0) setAppended((previous) => [...previous, ...unseen].slice(-MAX_SHOWN));
        if (fresh.length >= FOLLOW_TAIL) setSkipped(true);
        setFollowError(null);
      } catch (error) {
        setFollowError(error as Parameters<typeof describeError>[0]);
      } finally {
        busy = false;
      }
    }, FOLLOW_POLL_MS);
    return () => clearInterval(timer);
  }, [open, following, logs.isPending, utils, workloadId]);

  const needle = search.trim().toLowerCase();
  const shown = needle === "" ? lines : lines.filter((line) => line.text.toLowerCase().includes(needle));

  // biome-ignore lint/correctness/useExhaustiveDependencies: new lines, a new search, or the panel opening is what moves the scroll.
  useLayoutEffect(() => {
    const pre = preRef.current;
    if (pre && stickToBottom.current) pre.scrollTop = pre.scrollHeight;
  }, [lines, needle, open]);
  useEffect(() => {
    if (!open) stickToBottom.current = true;
  }, [open]);

  const error = describeError(logs.error ?? followError);
  return (
    <Card role="region" aria-labelledby={titleId}>
      <CardHeader className="flex-row flex-wrap items-start justify-between gap-3">
        <div className="flex min-w-0 flex-col gap-1.5">
          <CardTitle id={titleId}>{t("title")}</CardTitle>
          <CardDescription>
            {!open ? t("paused") : following ? t("following", { seconds: FOLLOW_POLL_MS / 1000 }) : t("description", { tail })}
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
              <Button
                variant={following ? "default" : "outline"}
                size="sm"
                aria-pressed={following}
                onClick={() => setFollowing((f) => !f)}
              >
                {t("follow")}
              </Button>
              <a
                href={`/api/workloads/${encodeURIComponent(workloadId)}/logs`}
                download
                title={t("downloadHint")}
                className={buttonVariants({ variant: "outline", size: "sm" })}
              >
                {t("download")}
              </a>
            </>
          ) : null}
          <Button variant="outline" size="sm" aria-expanded={open} aria-controls={bodyId} onClick={() => setOpen((o) => !o)}>
            {open ? t("hide") : t("show")}
          </Button>
        </div>
      </CardHeader>
      {open ? (
        <CardContent id={bodyId} className="flex flex-col gap-2">
          {error ? (
            <Alert variant="destructive" role="alert">
              {t("loadFailed", { message: error.message })}
            </Alert>
          ) : null}
          {skipped ? (
            <Alert variant="warning" role="status" data-testid="logs-skipped">
              {t("skipped", { tail: FOLLOW_TAIL })}
            </Alert>
          ) : null}
          <div className="flex flex-wrap items-center gap-2">
            <label htmlFor={searchId} className="sr-only">
              {t("search")}
            </label>
            <Input
              id={searchId}
              type="search"
              value={search}
              placeholder={t("searchPlaceholder")}
              onChange={(e) => setSearch(e.target.value)}
              className="max-w-xs min-w-0 flex-1"
            />
            {needle !== "" ? (
              <span className="text-sm text-muted-foreground tabular-nums" role="status" data-testid="logs-match-count">
                {t("matches", { count: shown.length, total: lines.length })}
              </span>
            ) : null}
          </div>
          {logs.isPending ? (
            <p className="text-sm text-muted-foreground">{t("loading")}</p>
          ) : lines.length === 0 ? (
            <p className="text-sm text-muted-foreground">{status.state === "missing" ? t("notDeployed") : t("empty")}</p>
          ) : shown.length === 0 ? (
            <p className="text-sm text-muted-foreground">{t("noMatches")}</p>
          ) : (
            <div
              ref={preRef}
              role="log"
              // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be keyboard-reachable to scroll (WCAG 2.1.1).
              tabIndex={0}
              aria-label={t("outputLabel")}
              onScroll={(e) => {
                const el = e.currentTarget;
                stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
              }}
              className="max-h-[28rem] overflow-auto rounded-md border border-border bg-muted p-3 font-mono text-xs leading-relaxed focus-visible:outline-2 focus-visible:outline-ring"
            >
              {shown.map((line, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows hold no state; two lines may share a time and text.
                <LogRow key={`${line.time}-${i}`} line={line} needle={needle} stderrLabel={t("stderr")} />
              ))}
            </div>
          )}
        </CardContent>
      ) : null}
    </Card>
  );
}

/** The time in the reader's zone (with the date when it is not today's), the text with the search's matches marked. */
function LogRow({ line, needle, stderrLabel }: { line: LogLine; needle: string; stderrLabel: string }) {
  const format = useFormatter();
  const at = new Date(line.time);
  const today = new Date().toDateString() === at.toDateString();
  const time = format.dateTime(at, today ? { timeStyle: "medium" } : { dateStyle: "short", timeStyle: "medium" });
  return (
    <div className="flex gap-3" data-testid="log-line" data-stream={line.stream}>
      <time dateTime={line.time} title={line.time} className="shrink-0 text-muted-foreground select-none">
        {time}
      </time>
      <span className={`min-w-0 break-all whitespace-pre-wrap ${line.stream === "stderr" ? "text-destructive" : ""}`}>
        {line.stream === "stderr" ? <span className="sr-only">{stderrLabel}: </span> : null}
        <Highlighted text={line.text} needle={needle} />
      </span>
    </div>
  );
}

function Highlighted({ text, needle }: { text: string; needle: string }) {
  if (needle === "") return <>{text}</>;
  const parts: React.ReactNode[] = [];
  const lower = text.toLowerCase();
  let from = 0;
  for (let at = lower.indexOf(needle); at !== -1; at = lower.indexOf(needle, from)) {
    if (at > from) parts.push(text.slice(from, at));
    parts.push(
      <mark key={at} className="rounded-sm bg-yellow-200 text-foreground dark:bg-yellow-700">
        {text.slice(at, at + needle.length)}
      </mark>,
    );
    from = at + needle.length;
  }
  parts.push(text.slice(from));
  return <>{parts}</>;
}
