"use client";

import { useTranslations } from "next-intl";
import { RowButton } from "~/components/ui/button";
import { describeError, reasonText, type Translator } from "~/components/ui/trpc-error";
import { api } from "~/trpc/react";
import type { StorageTargetView } from "./target-draft";

/**
 * Connects, writes, reads back and removes a small file, and says beside the button how it
 * went: ok with the host key now pinned, or why not (the list's last check follows).
 */
export function TestTargetButton({ target }: { target: StorageTargetView }) {
  const t = useTranslations("storageTargets");
  const root = useTranslations() as unknown as Translator;
  const utils = api.useUtils();
  const test = api.storageTarget.test.useMutation({ onSettled: () => utils.storageTarget.list.invalidate() });
  const result = test.data;
  const requestError = describeError(test.error);
  return (
    <span className="inline-flex flex-col items-end gap-1">
      <RowButton
        label={t("testName", { name: target.name })}
        busy={test.isPending}
        data-testid={`storage-target-test-${target.id}`}
        onClick={() => test.mutate({ id: target.id })}
      >
        {test.isPending ? t("testing") : t("test")}
      </RowButton>
      <span role="status" className="max-w-[16rem] text-right text-xs break-words">
        {test.isPending ? null : requestError ? (
          <span className="text-destructive-soft-foreground">{t("testRequestFailed", { message: requestError.message })}</span>
        ) : result?.ok ? (
          <span className="text-success-soft-foreground">
            {result.hostKey ? (
              <>
                {t("testOkPinned")} <code className="font-mono break-all">{result.hostKey}</code>
              </>
            ) : (
              t("testOk")
            )}
          </span>
        ) : result ? (
          <span className="text-destructive-soft-foreground">
            {t("testFailed", { message: reasonText(root, result.reason, result.params, t("failedUnknown")) })}
          </span>
        ) : null}
      </span>
    </span>
  );
}
