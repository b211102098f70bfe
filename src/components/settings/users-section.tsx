"use client";

import { useTranslations } from "next-intl";
import { useId, useRef, useState } from "react";
import { Alert } from "~/components/ui/alert";
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

type User = RouterOutputs["user"]["list"][number];
type Role = User["role"];
const ROLES: readonly Role[] = ["ADMIN", "VIEWER"];

export function UsersSection({ currentUserId }: { currentUserId: string }) {
  const t = useTranslations("users");
  const users = api.user.list.useQuery();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const focusHeading = () => headingRef.current?.focus();

  return (
    <Card>
      <CardHeader className="flex-row flex-wrap items-start justify-between gap-3">
        <div className="flex flex-col gap-1.5">
          <CardTitle ref={headingRef} tabIndex={-1} className="focus:outline-none">
            {t("title")}
          </CardTitle>
          <CardDescription>{t("description")}</CardDescription>
        </div>
        <CreateUserDialog />
      </CardHeader>
      <CardContent>
        {users.isPending ? (
          <p className="text-sm text-muted-foreground">{t("loading")}</p>
        ) : users.error ? (
          <Alert variant="destructive" role="alert">
            {t("loadFailed", { message: users.error.message })}
          </Alert>
        ) : users.data.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("empty")}</p>
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>{t("columns.email")}</TableHead>
                <TableHead>{t("columns.name")}</TableHead>
                <TableHead>{t("columns.role")}</TableHead>
                <TableHead>{t("columns.created")}</TableHead>
                <TableHead>
                  <span className="sr-only">{t("columns.actions")}</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {users.data.map((user) => (
                <UserRow key={user.id} user={user} isSelf={user.id === currentUserId} onGone={focusHeading} />
              ))}
            </TableBody>
          </Table>
        )}
      </CardContent>
    </Card>
  );
}

function UserRow({ user, isSelf, onGone }: { user: User; isSelf: boolean; onGone: () => void }) {
  const t = useTranslations("users");
  const tc = useTranslations("common");
  const utils = api.useUtils();
  const updateRole = api.user.updateRole.useMutation({ onSuccess: () => utils.user.list.invalidate() });
  const roleError = describeError(updateRole.error);
  const roleErrorId = useId();

  return (
    <TableRow>
      <TableCell className="font-medium break-words">
        {user.email}
        {isSelf ? (
          <Badge variant="outline" className="ml-2">
            {t("you")}
          </Badge>
        ) : null}
      </TableCell>
      <TableCell>{user.name}</TableCell>
      <TableCell>
        <div className="flex flex-col gap-1">
          <div className="flex items-center gap-2">
            <Select
              aria-label={t("roleFor", { email: user.email })}
              value={updateRole.isPending ? updateRole.variables.role : user.role}
              disabled={updateRole.isPending}
              aria-busy={updateRole.isPending || undefined}
              aria-describedby={roleError ? roleErrorId : undefined}
              onChange={(e) => updateRole.mutate({ id: user.id, role: e.target.value as Role })}
            >
              {ROLES.map((role) => (
                <option key={role} value={role}>
                  {tc(`roles.${role}`)}
                </option>
              ))}
            </Select>
            {updateRole.isPending ? (
              <span className="text-xs text-muted-foreground" aria-live="polite">
                {t("savingRole")}
              </span>
            ) : null}
          </div>
          {roleError ? (
            <p id={roleErrorId} role="alert" className="text-xs text-destructive-soft-foreground">
              {roleError.message || t("roleChangeFailed")}
            </p>
          ) : null}
        </div>
      </TableCell>
      <TableCell className="whitespace-nowrap">
        <DateTime value={user.createdAt} />
      </TableCell>
      <TableCell className="text-right">
        <DeleteUserDialog user={user} isSelf={isSelf} onGone={onGone} />
      </TableCell>
    </TableRow>
  );
}

function DeleteUserDialog({ user, isSelf, onGone }: { user: User; isSelf: boolean; onGone: () => void }) {
  const t = useTranslations("users");
  const tc = useTranslations("common");
  const [open, setOpen] = useState(false);
  const triggerRef = useRef<HTMLButtonElement>(null);
  const utils = api.useUtils();
  const remove = api.user.delete.useMutation({
    onSuccess: async () => {
      await utils.user.list.invalidate();
      setOpen(false);
    },
  });
  const error = describeError(remove.error);

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (remove.isPending) return;
        setOpen(next);
        if (!next) remove.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button
          ref={triggerRef}
          variant="outline"
          size="sm"
          disabled={isSelf}
          title={isSelf ? t("cannotDeleteSelf") : undefined}
          aria-label={t("deleteUser", { email: user.email })}
        >
          {tc("delete")}
        </Button>
      </DialogTrigger>
      <DialogContent
        closeLabel={tc("close")}
        onCloseAutoFocus={(event) => {
          // The row (and its button) is gone after a delete: land somewhere sensible.
          if (!triggerRef.current?.isConnected) {
            event.preventDefault();
            onGone();
          }
        }}
      >
        <DialogHeader>
          <DialogTitle>{t("deleteTitle")}</DialogTitle>
          <DialogDescription>{t("deleteDescription", { email: user.email })}</DialogDescription>
        </DialogHeader>
        {error ? (
          <Alert variant="destructive" role="alert">
            {error.message || t("deleteFailed")}
          </Alert>
        ) : null}
        <DialogFooter>
          <DialogClose asChild>
            <Button variant="outline" disabled={remove.isPending}>
              {tc("cancel")}
            </Button>
          </DialogClose>
          <Button variant="destructive" busy={remove.isPending} onClick={() => remove.mutate({ id: user.id })}>
            {remove.isPending ? t("deleting") : t("deleteConfirm")}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

function CreateUserDialog() {
  const t = useTranslations("users");
  const tc = useTranslations("common");
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState({ email: "", name: "", password: "", role: "VIEWER" as Role });
  const utils = api.useUtils();
  const create = api.user.create.useMutation({
    onSuccess: async () => {
      await utils.user.list.invalidate();
      setOpen(false);
      setForm({ email: "", name: "", password: "", role: "VIEWER" });
    },
  });
  const error = describeError(create.error);
  const set = (field: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
    setForm((f) => ({ ...f, [field]: e.target.value }));

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
            create.mutate({ email: form.email, name: form.name.trim() || undefined, password: form.password, role: form.role });
          }}
        >
          {error?.message ? (
            <Alert variant="destructive" role="alert">
              {error.message}
            </Alert>
          ) : null}
          <FormField id="new-user-email" label={t("fields.email")} error={firstFieldError(error, "email")}>
            {(p) => <Input {...p} type="email" autoComplete="off" required value={form.email} onChange={set("email")} />}
          </FormField>
          <FormField id="new-user-name" label={t("fields.name")} hint={t("fields.nameHint")} error={firstFieldError(error, "name")}>
            {(p) => <Input {...p} autoComplete="off" maxLength={100} value={form.name} onChange={set("name")} />}
          </FormField>
          <FormField
            id="new-user-password"
            label={t("fields.password")}
            hint={t("fields.passwordHint")}
            error={firstFieldError(error, "password")}
          >
            {(p) => (
              <Input {...p} type="password" autoComplete="new-password" required minLength={8} value={form.password} onChange={set("password")} />
            )}
          </FormField>
          <FormField id="new-user-role" label={t("fields.role")} error={firstFieldError(error, "role")}>
            {(p) => (
              <Select {...p} value={form.role} onChange={set("role")} className="w-full">
                {ROLES.map((role) => (
                  <option key={role} value={role}>
                    {tc(`roles.${role}`)}
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
