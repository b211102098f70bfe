"use client";

import Link from "next/link";
import { useTranslations } from "next-intl";
import { useId, useState } from "react";
import { Alert } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Checkbox } from "~/components/ui/checkbox";
import { describeError } from "~/components/ui/trpc-error";
import { api } from "~/trpc/react";
import { useStorageKindLabels } from "./labels";
import type { StorageTargetView } from "./options";

const SETTINGS_STORAGE = "/settings?tab=storage";

/**
 * Admins: which storage targets the workload's new snapshots are copied to, a checkbox per
 * target, saved with one button. Without any target yet, the way to Settings.
 */
export function CopyPolicy({ workloadId }: { workloadId: string }) {
  const t = useTranslations("offHost.policy");
  const legendId = useId();
  const utils = api.useUtils();
  const targets = api.storageTarget.list.useQuery();
  const policy = api.storageTarget.copyPolicy.useQuery({ workloadId });
  // null: nothing changed here yet, the saved policy shows.
  const [draft, setDraft] = useState<ReadonlySet<string> | null>(null);
  const [saved, setSaved] = useState(false);
  const save = api.storageTarget.setCopyPolicy.useMutation({
    onSuccess: async (result) => {
      utils.storageTarget.copyPolicy.setData({ workloadId }, result);
      setDraft(null);
      setSaved(true);
      await utils.dashboard.overview.invalidate();
    },
  });

  if (targets.isPending || policy.isPending) return <p className="text-sm text-muted-foreground">{t("loading")}</p>;
  if (!targets.data || !policy.data) {
    return (
      <Alert variant="destructive" role="alert">
        {t("loadFailed", { message: describeError(targets.error ?? policy.error)?.message ?? "" })}
      </Alert>
    );
  }
  if (targets.data.length === 0) {
    return (
      <p className="text-sm text-muted-foreground" data-testid="copy-policy-empty">
        {t("noTargets")}{" "}
        <Link href={SETTINGS_STORAGE} className="font-medium text-primary underline-offset-4 hover:underline">
          {t("addTarget")}
        </Link>
      </p>
    );
  }

  const stored = new Set(policy.data.targetIds);
  const selected = draft ?? stored;
  const changed = draft !== null && (draft.size !== stored.size || [...draft].some((id) => !stored.has(id)));
  const toggle = (id: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    setDraft(next);
    setSaved(false);
    save.reset();
  };
  const error = describeError(save.error);

  return (
    <form
      className="flex flex-col gap-3"
      data-testid="copy-policy"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ workloadId, targetIds: [...selected] });
      }}
    >
      <fieldset className="flex flex-col gap-3" aria-labelledby={legendId}>
        <legend id={legendId} className="text-sm font-medium">
          {t("legend")}
        </legend>
        <p className="text-xs text-muted-foreground">{t("hint")}</p>
        <ul className="flex flex-col gap-2">
          {targets.data.map((target) => (
            <li key={target.id}>
              <Checkbox
                label={target.name}
                hint={<TargetWhere target={target} />}
                checked={selected.has(target.id)}
                disabled={save.isPending}
                onChange={(e) => toggle(target.id, e.target.checked)}
              />
            </li>
          ))}
        </ul>
      </fieldset>
      {error ? (
        <Alert variant="destructive" role="alert">
          {t("saveFailed", { message: error.message })}
        </Alert>
      ) : null}
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" variant="outline" size="sm" busy={save.isPending} disabled={!changed} data-testid="copy-policy-save">
          {t("save")}
        </Button>
        <span role="status" className="text-sm text-success-soft-foreground">
          {saved && !changed ? t("saved") : null}
        </span>
        <Link href={SETTINGS_STORAGE} className="text-sm text-muted-foreground underline-offset-4 hover:underline">
          {t("manageTargets")}
        </Link>
      </div>
    </form>
  );
}

/** Where a target is (the folder; user@host:port for SFTP) and whether it is paused. */
function TargetWhere({ target }: { target: StorageTargetView }) {
  const t = useTranslations("offHost.policy");
  const kinds = useStorageKindLabels();
  const where = target.kind === "sftp" ? `${target.username}@${target.host}:${target.port} ${target.folder}` : target.folder;
  return (
    <>
      {kinds[target.kind]} · <span className="font-mono break-all">{where}</span>
      {target.enabled ? null : ` · ${t("disabled")}`}
    </>
  );
}
