"use client";

import { useTranslations } from "next-intl";
import { useRef, useState } from "react";
import { DateTime } from "~/components/format/date-time";
import { ActionDialog } from "~/components/ui/action-dialog";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Badge } from "~/components/ui/badge";
import { Button, RowButton } from "~/components/ui/button";
import { DialogClose, DialogFooter } from "~/components/ui/dialog";
import { ConfirmDialog } from "~/components/ui/form-dialog";
import { FormField } from "~/components/ui/form-field";
import { Input } from "~/components/ui/input";
import { ChoiceSelect } from "~/components/ui/select";
import { Table, TableBody, TableCell, TableColumns, TableRow } from "~/components/ui/table";
import { describeError, firstFieldError } from "~/components/ui/trpc-error";
import { useRequestDialog } from "~/components/ui/use-request-dialog";
import { api, type RouterOutputs } from "~/trpc/react";
import { ListCreateDialog, ListSection } from "./list-section";

type Token = RouterOutputs["token"]["list"][number];
type Role = Token["role"];
const ROLES: readonly Role[] = ["VIEWER", "ADMIN"];
// "" = never expires
const EXPIRY_DAYS = ["", "7", "30", "90", "365"] as const;
type Expiry = (typeof EXPIRY_DAYS)[number];

export function TokensSection() {
  const t = useTranslations("tokens");
  const tokens = api.token.list.useQuery();
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  return (
    <>
      <ListSection
        headingRef={headingRef}
        title={t("title")}
        description={t("description")}
        action={<CreateTokenDialog onCreated={setCreated} />}
        query={tokens}
        loading={t("loading")}
        loadFailed={(message) => t("loadFailed", { message })}
        empty={t("empty")}
      >
        <Table>
          <TableColumns
            columns={[
              t("columns.name"),
              t("columns.role"),
              t("columns.createdBy"),
              t("columns.created"),
              t("columns.lastUsed"),
              t("columns.expires"),
              t("columns.status"),
            ]}
            actionsLabel={t("columns.actions")}
          />
          <TableBody>
            {tokens.data?.map((token) => (
              <TokenRow key={token.id} token={token} onGone={() => headingRef.current?.focus()} />
            ))}
          </TableBody>
        </Table>
      </ListSection>
      <SecretDialog created={created} onClose={() => setCreated(null)} />
    </>
  );
}

function TokenRow({ token, onGone }: { token: Token; onGone: () => void }) {
  const t = useTranslations("tokens");
  const tc = useTranslations("common");
  return (
    <TableRow>
      <TableCell className="font-medium break-words">{token.name}</TableCell>
      <TableCell>
        <Badge variant={token.role === "ADMIN" ? "default" : "secondary"}>{tc(`roles.${token.role}`)}</Badge>
      </TableCell>
      <TableCell className="break-words">{token.createdBy ?? <span className="text-muted-foreground">{t("noCreator")}</span>}</TableCell>
      <TableCell className="whitespace-nowrap">
        <DateTime value={token.createdAt} />
      </TableCell>
      <TableCell className="whitespace-nowrap">
        {token.lastUsedAt ? <DateTime value={token.lastUsedAt} /> : <span className="text-muted-foreground">{t("neverUsed")}</span>}
      </TableCell>
      <TableCell className="whitespace-nowrap">
        {token.expiresAt ? <DateTime value={token.expiresAt} /> : <span className="text-muted-foreground">{t("neverExpires")}</span>}
      </TableCell>
      <TableCell className="whitespace-nowrap">
        {token.revokedAt ? (
          <span className="inline-flex flex-col items-start gap-0.5">
            <Badge variant="destructive">{t("status.revoked")}</Badge>
            <span className="text-xs text-muted-foreground">
              <DateTime value={token.revokedAt} />
            </span>
          </span>
        ) : token.expiresAt && new Date(token.expiresAt) <= new Date() ? (
          <Badge variant="secondary">{t("status.expired")}</Badge>
        ) : (
          <Badge variant="success">{t("status.active")}</Badge>
        )}
      </TableCell>
      <TableCell className="text-right">{token.revokedAt ? null : <RevokeTokenDialog token={token} onGone={onGone} />}</TableCell>
    </TableRow>
  );
}

function RevokeTokenDialog({ token, onGone }: { token: Token; onGone: () => void }) {
  const t = useTranslations("tokens");
  const dialog = useRequestDialog();
  const utils = api.useUtils();
  const revoke = api.token.revoke.useMutation({ onSuccess: () => dialog.closeAfter(() => utils.token.list.invalidate()) });
  const error = describeError(revoke.error);

  return (
    <ConfirmDialog
      {...dialog.bind(revoke)}
      trigger={<RowButton label={t("revokeToken", { name: token.name })}>{t("revoke")}</RowButton>}
      title={t("revokeTitle")}
      description={t("revokeDescription", { name: token.name })}
      // A revoked token has no Revoke button any more.
      onTriggerGone={onGone}
      error={error ? error.message || t("revokeFailed") : null}
      confirmLabel={revoke.isPending ? t("revoking") : t("revokeConfirm")}
      onConfirm={() => revoke.mutate({ id: token.id })}
    />
  );
}

function CreateTokenDialog({ onCreated }: { onCreated: (created: { name: string; secret: string }) => void }) {
  const t = useTranslations("tokens");
  const tc = useTranslations("common");
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("VIEWER");
  const [expiry, setExpiry] = useState<Expiry>("90");
  const dialog = useRequestDialog();
  const utils = api.useUtils();
  const create = api.token.create.useMutation({
    // Closed first: the secret dialog takes over at once, the list catches up behind it.
    onSuccess: async (result) => {
      dialog.setOpen(false);
      setName("");
      setRole("VIEWER");
      setExpiry("90");
      onCreated({ name: result.token.name, secret: result.secret });
      await utils.token.list.invalidate();
    },
  });
  const error = describeError(create.error);

  return (
    <ListCreateDialog
      namespace="tokens"
      {...dialog.bind(create)}
      error={error?.message}
      onSubmit={() => create.mutate({ name, role, expiresInDays: expiry ? Number(expiry) : undefined })}
    >
      <FormField id="new-token-name" label={t("fields.name")} hint={t("fields.nameHint")} error={firstFieldError(error, "name")}>
        {(p) => <Input {...p} autoComplete="off" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}
      </FormField>
      <FormField id="new-token-role" label={t("fields.role")} hint={t("fields.roleHint")} error={firstFieldError(error, "role")}>
        {(p) => (
          <ChoiceSelect {...p} value={role} values={ROLES} label={(r) => tc(`roles.${r}`)} onValueChange={setRole} className="w-full" />
        )}
      </FormField>
      <FormField
        id="new-token-expiry"
        label={t("fields.expiry")}
        hint={t("fields.expiryHint")}
        error={firstFieldError(error, "expiresInDays")}
      >
        {(p) => (
          <ChoiceSelect
            {...p}
            value={expiry}
            values={EXPIRY_DAYS}
            label={(d) => (d ? t("fields.expiryDays", { days: Number(d) }) : t("fields.expiryNever"))}
            onValueChange={setExpiry}
            className="w-full"
          />
        )}
      </FormField>
    </ListCreateDialog>
  );
}

/** Shows a new token's secret, once: it is not stored anywhere the UI can read it back. */
function SecretDialog({ created, onClose }: { created: { name: string; secret: string } | null; onClose: () => void }) {
  const t = useTranslations("tokens");
  const [copy, setCopy] = useState<"idle" | "copied" | "failed">("idle");
  const inputRef = useRef<HTMLInputElement>(null);

  async function copySecret() {
    if (!created) return;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(created.secret);
      } else {
        // Plain-http instances have no async clipboard API: fall back to a selection copy.
        inputRef.current?.select();
        if (!document.execCommand("copy")) throw new Error("copy refused");
      }
      setCopy("copied");
    } catch {
      inputRef.current?.select();
      setCopy("failed");
    }
  }

  return (
    <ActionDialog
      open={created !== null}
      onOpenChange={(next) => {
        if (!next) {
          setCopy("idle");
          onClose();
        }
      }}
      title={t("secretTitle")}
      description={t("secretDescription", { name: created?.name ?? "" })}
      // A stray click outside must not throw the only copy of the secret away.
      onInteractOutside={(e) => e.preventDefault()}
    >
      <Alert variant="warning">
        <AlertTitle>{t("secretWarningTitle")}</AlertTitle>
        <AlertDescription>{t("secretWarning")}</AlertDescription>
      </Alert>
      <FormField id="new-token-secret" label={t("secretLabel")}>
        {(p) => (
          <div className="flex gap-2">
            <Input
              {...p}
              ref={inputRef}
              readOnly
              value={created?.secret ?? ""}
              className="font-mono text-xs"
              onFocus={(e) => e.currentTarget.select()}
            />
            <Button variant="secondary" onClick={() => void copySecret()}>
              {copy === "copied" ? t("copied") : t("copy")}
            </Button>
          </div>
        )}
      </FormField>
      <p aria-live="polite" className="min-h-5 text-sm text-muted-foreground">
        {copy === "copied" ? t("copiedNotice") : copy === "failed" ? t("copyFailed") : ""}
      </p>
      <DialogFooter>
        <DialogClose asChild>
          <Button>{t("secretDone")}</Button>
        </DialogClose>
      </DialogFooter>
    </ActionDialog>
  );
}
