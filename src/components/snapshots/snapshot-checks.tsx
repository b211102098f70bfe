"use client";

import { useTranslations } from "next-intl";
import { RelativeTime } from "~/components/format/date-time";
import { useCopyStateLabels } from "~/components/off-host/labels";
import { type CopyView, isFailingCopy } from "~/components/off-host/options";
import { Badge } from "~/components/ui/badge";
import { reasonText, type Translator } from "~/components/ui/trpc-error";
import type { SnapshotView } from "./options";

/** How the snapshot's last verification went: "Verified" and how long ago, or failed with why; nothing before the first. */
export function VerificationBadge({ snapshot: s, now }: { snapshot: SnapshotView; now: Date }) {
  const t = useTranslations("snapshots.checks");
  const root = useTranslations() as unknown as Translator;
  if (!s.verifiedAt || !s.verifyOutcome) return null;
  // `now` may be the browser's clock (after a refetch) and a hair behind the server's: never "in 0 sec.".
  const reference = new Date(Math.max(now.getTime(), s.verifiedAt.getTime() + 1000));
  const passed = s.verifyOutcome === "passed";
  return (
    <span
      className={passed ? "inline-flex flex-wrap items-center gap-x-1.5" : "flex w-full flex-col items-start gap-0.5"}
      title={passed ? t("verifiedHint") : undefined}
      data-testid="verification-badge"
      data-outcome={s.verifyOutcome}
    >
      <span className="inline-flex flex-wrap items-center gap-x-1.5">
        <Badge variant={passed ? "success" : "destructive"}>{passed ? t("verified") : t("verifyFailed")}</Badge>
        <span className="text-xs whitespace-nowrap text-muted-foreground">
          <RelativeTime value={s.verifiedAt} now={reference} />
        </span>
      </span>
      {passed ? null : (
        <span className="text-xs break-words text-destructive-soft-foreground">
          {reasonText(root, s.verifyReason, s.verifyParams, t("failedUnknown"))}
        </span>
      )}
    </span>
  );
}

/** "1 of 2 copies verified": green when all are, red when one is failing; each target's state in the title. */
export function CopiesBadge({ copies }: { copies: readonly CopyView[] | undefined }) {
  const t = useTranslations("snapshots.checks");
  const states = useCopyStateLabels();
  if (!copies || copies.length === 0) return null;
  const verified = copies.filter((c) => c.state === "verified").length;
  const variant = verified === copies.length ? "success" : copies.some(isFailingCopy) ? "destructive" : "secondary";
  const detail = copies.map((c) => `${c.targetName}: ${states[c.state]}`).join("\n");
  return (
    <Badge variant={variant} className="whitespace-normal" title={detail} data-testid="copies-badge">
      {t("copies", { verified, total: copies.length })}
      <span className="sr-only">. {detail}</span>
    </Badge>
  );
}
