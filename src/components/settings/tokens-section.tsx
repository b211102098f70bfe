"use client";

import { useTranslations } from "next-intl";
import { useRef, useState } from "react";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import {
  Dialog,
  DialogClose,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from "~/components/ui/dialog";
import { FormField } from "~/components/ui/form-field";
import { Input } from "~/components/ui/input";
import { Select } from "~/components/ui/select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "~/components/ui/table";
import { describeError, firstFieldError } from "~/components/ui/trpc-error";
import { api, type RouterOutputs } from "~/trpc/react";
import { DateTime } from "./date-time";

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
    <Card>
      <CardHeader className="flex-row flex-wrap items-start justify-between gap-3">
        <div className="flex flex-col gap-1.5">
          <CardTitle ref={headingRef} tabIndex={-1} className="focus:outline-none">
            {t("title")}
          </CardTitle>
          <CardDescription>{t("description")}</CardDescription>
        </div>
        <CreateTokenDialog onCreated={setCreated} />
      </CardHeader>
      <CardContent>
        {tokens.isPending ? (
          <p className="text-sm text-muted-foreground">{t("loading")}</p>
        ) : tokens.error ? (
          <Alert variant="destructive" role="alert">
            {t("loadFailed", { message: tokens.error.message })}
          </Alert>
        ) : tokens.data.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("empty")}</p>
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>{t("columns.name")}</TableHead>
                <TableHead>{t("columns.role")}</TableHead>
                <TableHead>{t("columns.createdBy")}</TableHead>
                <TableHead>{t("columns.created")}</TableHead>
                <TableHead>{t("columns.lastUsed")}</TableHead>
                <TableHead>{t("columns.expires")}</TableHead>
                <TableHead>{t("columns.status")}</TableHead>
                <TableHead>
                  <span className="sr-only">{t("columns.actions")}</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {tokens.data.map((token) => (
                <TokenRow key={token.id} token={token} onGone={() => headingRef.current?.focus()} />
              ))}
            </TableBody>
          </Table>
        )}
      </CardContent>
      <SecretDialog created={created} onClose={() => setCreated(null)} />
    </Card>
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
  const tc = useTranslations("common");
  const [open, setOpen] = useState(false);
  const triggerRef = useRef<HTMLButtonElement>(null);
  const utils = api.useUtils();
  const revoke = api.token.revoke.useMutation({
    onSuccess: async () => {
      await utils.token.list.invalidate();
      setOpen(false);
    },
  });
  const error = describeError(revoke.error);

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (revoke.isPending) return;
        setOpen(next);
        if (!next) revoke.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button ref={triggerRef} variant="outline" size="sm" aria-label={t("revokeToken", { name: token.name })}>
          {t("revoke")}
        </Button>
      </DialogTrigger>
      <DialogContent
        closeLabel={tc("close")}
        onCloseAutoFocus={(event) => {
          // A revoked token has no Revoke button any more.
          if (!triggerRef.current?.isConnected) {
            event.preventDefault();
            onGone();
          }
        }}
      >
        <DialogHeader>
          <DialogTitle>{t("revokeTitle")}</DialogTitle>
          <DialogDescription>{t("revokeDescription", { name: token.name })}</DialogDescription>
        </DialogHeader>
        {error ? (
          <Alert variant="destructive" role="alert">
            {error.message || t("revokeFailed")}
          </Alert>
        ) : null}
        <DialogFooter>
          <DialogClose asChild>
            <Button variant="outline" disabled={revoke.isPending}>
              {tc("cancel")}
            </Button>
          </DialogClose>
          <Button variant="destructive" busy={revoke.isPending} onClick={() => revoke.mutate({ id: token.id })}>
            {revoke.isPending ? t("revoking") : t("revokeConfirm")}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

function CreateTokenDialog({ onCreated }: { onCreated: (created: { name: string; secret: string }) => void }) {
  const t = useTranslations("tokens");
  const tc = useTranslations("common");
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("VIEWER");
  const [expiry, setExpiry] = useState<Expiry>("90");
  const utils = api.useUtils();
  const create = api.token.create.useMutation({
    onSuccess: async (result) => {
      setOpen(false);
      setName("");
      setRole("VIEWER");
      setExpiry("90");
      onCreated({ name: result.token.name, secret: result.secret });
      await utils.token.list.invalidate();
    },
  });
  const error = describeError(create.error);

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (create.isPending) return;
        setOpen(next);
        if (!next) create.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button>{t("create")}</Button>
      </DialogTrigger>
      <DialogContent closeLabel={tc("close")}>
        <DialogHeader>
          <DialogTitle>{t("createTitle")}</DialogTitle>
          <DialogDescription>{t("createDescription")}</DialogDescription>
        </DialogHeader>
        <form
          className="flex flex-col gap-4"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ name, role, expiresInDays: expiry ? Number(expiry) : undefined });
          }}
        >
          {error?.message ? (
            <Alert variant="destructive" role="alert">
              {error.message}
            </Alert>
          ) : null}
          <FormField id="new-token-name" label={t("fields.name")} hint={t("fields.nameHint")} error={firstFieldError(error, "name")}>
            {(p) => <Input {...p} autoComplete="off" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}
          </FormField>
          <FormField id="new-token-role" label={t("fields.role")} hint={t("fields.roleHint")} error={firstFieldError(error, "role")}>
            {(p) => (
              <Select {...p} value={role} onChange={(e) => setRole(e.target.value as Role)} className="w-full">
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {tc(`roles.${r}`)}
                  </option>
                ))}
              </Select>
            )}
          </FormField>
          <FormField id="new-token-expiry" label={t("fields.expiry")} hint={t("fields.expiryHint")} error={firstFieldError(error, "expiresInDays")}>
            {(p) => (
              <Select {...p} value={expiry} onChange={(e) => setExpiry(e.target.value as Expiry)} className="w-full">
                {EXPIRY_DAYS.map((d) => (
                  <option key={d} value={d}>
                    {d ? t("fields.expiryDays", { days: Number(d) }) : t("fields.expiryNever")}
                  </option>
                ))}
              </Select>
            )}
          </FormField>
          <DialogFooter>
            <DialogClose asChild>
              <Button variant="outline" disabled={create.isPending}>
                {tc("cancel")}
              </Button>
            </DialogClose>
            <Button type="submit" busy={create.isPending}>
              {create.isPending ? t("creating") : t("createConfirm")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

/** Shows a new token's secret, once: it is not stored anywhere the UI can read it back. */
function SecretDialog({ created, onClose }: { created: { name: string; secret: string } | null; onClose: () => void }) {
  const t = useTranslations("tokens");
  const tc = useTranslations("common");
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
    <Dialog
      open={created !== null}
      onOpenChange={(next) => {
        if (!next) {
          setCopy("idle");
          onClose();
        }
      }}
    >
      <DialogContent
        closeLabel={tc("close")}
        // A stray click outside must not throw the only copy of the secret away.
        onInteractOutside={(e) => e.preventDefault()}
      >
        <DialogHeader>
          <DialogTitle>{t("secretTitle")}</DialogTitle>
          <DialogDescription>{t("secretDescription", { name: created?.name ?? "" })}</DialogDescription>
        </DialogHeader>
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
      </DialogContent>
    </Dialog>
  );
}
