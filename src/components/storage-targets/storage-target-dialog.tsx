"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import type { PolicyDraft } from "~/components/retention/policy-draft";
import { Button, RowButton } from "~/components/ui/button";
import { Checkbox } from "~/components/ui/checkbox";
import { CodeInput } from "~/components/ui/code-input";
import { FormDialog } from "~/components/ui/form-dialog";
import { FormField } from "~/components/ui/form-field";
import { Input } from "~/components/ui/input";
import { ChoiceSelect } from "~/components/ui/select";
import { Textarea } from "~/components/ui/textarea";
import { browserTimeZone } from "~/components/ui/time-zone-input";
import { describeError } from "~/components/ui/trpc-error";
import { useRequestDialog } from "~/components/ui/use-request-dialog";
import { STORAGE_KINDS, type StorageKind } from "~/shared/storage";
import { api } from "~/trpc/react";
import { RadioChoice } from "~/components/ui/radio-choice";
import { RemoteRetentionFields } from "./remote-retention-fields";
import {
  CREDENTIALS,
  type Credential,
  createInput,
  placeError,
  readTargetDraft,
  type StorageTargetView,
  type TargetDraft,
  targetDraftOf,
  updateInput,
} from "./target-draft";

/**
 * Adds a storage target, or edits one (`target`). Its kind is fixed once it exists. The password
 * and private key are never sent back to the browser: on edit their fields start empty and an
 * empty field keeps the stored one.
 */
export function StorageTargetDialog({ target }: { target?: StorageTargetView }) {
  const t = useTranslations("storageTargets");
  // The browser's zone only once the dialog opens: it never meets server rendering.
  const [draft, setDraft] = useState<TargetDraft>(() => targetDraftOf(target, "UTC"));
  const [tried, setTried] = useState(false);
  const dialog = useRequestDialog({
    onOpened: () => {
      setDraft(targetDraftOf(target, browserTimeZone()));
      setTried(false);
    },
  });
  const utils = api.useUtils();
  const onSuccess = () => dialog.closeAfter(() => utils.storageTarget.list.invalidate());
  const create = api.storageTarget.create.useMutation({ onSuccess });
  const update = api.storageTarget.update.useMutation({ onSuccess });
  const request = target ? update : create;
  const placed = placeError(describeError(request.error), request.error?.data?.reason);
  const read = readTargetDraft(draft);
  const prefix = `storage-target-${target?.id ?? "new"}`;
  const set = (patch: Partial<TargetDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const setRetention = (patch: Partial<PolicyDraft>) => setDraft((d) => ({ ...d, retention: { ...d.retention, ...patch } }));
  const sftp = draft.kind === "sftp";
  const kindLabel = (kind: StorageKind) => (kind === "sftp" ? t("kinds.sftp") : t("kinds.local"));
  const credentialLabel = (credential: Credential) => (credential === "key" ? t("fields.credentialKey") : t("fields.credentialPassword"));

  function submit() {
    setTried(true);
    if (!read.ok) return;
    if (target) {
      const input = updateInput(target, draft, read);
      if (input) update.mutate(input);
    } else {
      const input = createInput(draft, read);
      if (input) create.mutate(input);
    }
  }

  // On edit an empty secret keeps the stored one; the hint says which one that is.
  const secretHint = (credential: Credential) => {
    if (!target) return credential === "key" ? t("fields.privateKeyHint") : t("fields.passwordHint");
    if (target.auth === credential) return credential === "key" ? t("fields.keepKey") : t("fields.keepPassword");
    return credential === "key" ? t("fields.replacePasswordWithKey") : t("fields.replaceKeyWithPassword");
  };

  return (
    <FormDialog
      {...dialog.bind(request)}
      className="max-w-2xl"
      trigger={
        target ? (
          <RowButton label={t("editName", { name: target.name })}>{t("edit")}</RowButton>
        ) : (
          <Button data-testid="add-storage-target">{t("add")}</Button>
        )
      }
      title={target ? t("editTitle") : t("addTitle")}
      description={t("dialogDescription")}
      error={placed.form}
      confirmLabel={request.isPending ? t("saving") : target ? t("saveConfirm") : t("addConfirm")}
      onSubmit={submit}
    >
      {target ? (
        <p className="text-sm">
          <span className="font-medium">{t("fields.kind")}: </span>
          {kindLabel(target.kind)}
        </p>
      ) : (
        <FormField id={`${prefix}-kind`} label={t("fields.kind")} hint={sftp ? t("kindHints.sftp") : t("kindHints.local")}>
          {(p) => (
            <ChoiceSelect
              {...p}
              value={draft.kind}
              values={STORAGE_KINDS}
              label={kindLabel}
              onValueChange={(kind) => set({ kind })}
              className="w-full"
            />
          )}
        </FormField>
      )}
      <FormField id={`${prefix}-name`} label={t("fields.name")} hint={t("fields.nameHint")} error={placed.fields.name}>
        {(p) => (
          <Input {...p} autoComplete="off" required maxLength={80} value={draft.name} onChange={(e) => set({ name: e.target.value })} />
        )}
      </FormField>
      {sftp ? (
        <>
          <div className="grid gap-4 sm:grid-cols-[minmax(0,1fr)_7rem]">
            <FormField id={`${prefix}-host`} label={t("fields.host")} hint={t("fields.hostHint")} error={placed.fields.host}>
              {(p) => <CodeInput {...p} required maxLength={253} value={draft.host} onChange={(e) => set({ host: e.target.value })} />}
            </FormField>
            <FormField
              id={`${prefix}-port`}
              label={t("fields.port")}
              error={(tried && read.portProblem ? t("fields.portProblem") : undefined) ?? placed.fields.port}
            >
              {(p) => (
                <Input
                  {...p}
                  type="number"
                  inputMode="numeric"
                  min={1}
                  max={65535}
                  step={1}
                  required
                  value={draft.port}
                  onChange={(e) => set({ port: e.target.value })}
                />
              )}
            </FormField>
          </div>
          <FormField id={`${prefix}-username`} label={t("fields.username")} error={placed.fields.username}>
            {(p) => <CodeInput {...p} required maxLength={64} value={draft.username} onChange={(e) => set({ username: e.target.value })} />}
          </FormField>
          <FormField id={`${prefix}-folder`} label={t("fields.folder")} hint={t("fields.sftpFolderHint")} error={placed.fields.folder}>
            {(p) => <CodeInput {...p} required maxLength={1000} value={draft.folder} onChange={(e) => set({ folder: e.target.value })} />}
          </FormField>
          <RadioChoice
            legend={t("fields.credential")}
            value={draft.credential}
            values={CREDENTIALS}
            label={credentialLabel}
            onValueChange={(credential) => set({ credential })}
          />
          {draft.credential === "key" ? (
            <>
              <FormField
                id={`${prefix}-private-key`}
                label={t("fields.privateKey")}
                hint={secretHint("key")}
                error={placed.fields.credential}
              >
                {(p) => (
                  <Textarea
                    {...p}
                    required={!target}
                    rows={5}
                    autoComplete="off"
                    spellCheck={false}
                    maxLength={16000}
                    placeholder="-----BEGIN OPENSSH PRIVATE KEY-----"
                    className="font-mono text-xs"
                    value={draft.privateKey}
                    onChange={(e) => set({ privateKey: e.target.value })}
                  />
                )}
              </FormField>
              <FormField id={`${prefix}-passphrase`} label={t("fields.passphrase")} hint={t("fields.passphraseHint")}>
                {(p) => (
                  <Input
                    {...p}
                    type="password"
                    autoComplete="new-password"
                    maxLength={16000}
                    value={draft.passphrase}
                    onChange={(e) => set({ passphrase: e.target.value })}
                  />
                )}
              </FormField>
            </>
          ) : (
            <FormField
              id={`${prefix}-password`}
              label={t("fields.password")}
              hint={secretHint("password")}
              error={placed.fields.credential}
            >
              {(p) => (
                <Input
                  {...p}
                  type="password"
                  autoComplete="new-password"
                  required={!target}
                  maxLength={16000}
                  value={draft.password}
                  onChange={(e) => set({ password: e.target.value })}
                />
              )}
            </FormField>
          )}
          {target?.hostKey ? (
            <div className="flex flex-col gap-1.5">
              <p className="text-sm">
                <span className="font-medium">{t("fields.pinnedKey")}: </span>
                <code className="font-mono text-xs break-all">{target.hostKey}</code>
              </p>
              <Checkbox
                label={t("fields.forgetHostKey")}
                hint={t("fields.forgetHostKeyHint")}
                checked={draft.forgetHostKey}
                onChange={(e) => set({ forgetHostKey: e.target.checked })}
              />
            </div>
          ) : null}
        </>
      ) : (
        <FormField id={`${prefix}-folder`} label={t("fields.folder")} hint={t("fields.localFolderHint")} error={placed.fields.folder}>
          {(p) => (
            <CodeInput
              {...p}
              required
              maxLength={1000}
              placeholder="/mnt/backups/berth"
              value={draft.folder}
              onChange={(e) => set({ folder: e.target.value })}
            />
          )}
        </FormField>
      )}
      <RemoteRetentionFields
        prefix={prefix}
        mode={draft.retentionMode}
        draft={draft.retention}
        problems={read.retentionProblems}
        showProblems={tried}
        timezoneError={placed.fields.timezone}
        onModeChange={(retentionMode) => set({ retentionMode })}
        onChange={setRetention}
      />
      <Checkbox
        label={t("fields.enabled")}
        hint={t("fields.enabledHint")}
        checked={draft.enabled}
        onChange={(e) => set({ enabled: e.target.checked })}
      />
    </FormDialog>
  );
}
