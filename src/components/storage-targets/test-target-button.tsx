"use client";

import { useTranslations } from "next-intl";
import { RowCheckButton } from "~/components/ui/row-check-button";
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
  const failed = (message: string) => ({ ok: false, text: t("testFailed", { message }) });
  const outcome = requestError
    ? { ok: false, text: t("testRequestFailed", { message: requestError.message }) }
    : result?.ok
      ? {
          ok: true,
          text: result.hostKey ? (
            <>
              {t("testOkPinned")} <code className="font-mono break-all">{result.hostKey}</code>
            </>
          ) : (
            t("testOk")
          ),
        }
      : result
        ? failed(reasonText(root, result.reason, result.params, t("failedUnknown")))
        : null;
  return (
    <RowCheckButton
      label={t("testName", { name: target.name })}
      testId={`storage-target-test-${target.id}`}
      pending={test.isPending}
      onClick={() => test.mutate({ id: target.id })}
      outcome={outcome}
    >
      {test.isPending ? t("testing") : t("test")}
    </RowCheckButton>
  );
}
