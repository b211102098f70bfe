"use client";

import { useTranslations } from "next-intl";
import { useId, useRef, useState } from "react";
import { DateTime } from "~/components/format/date-time";
import { Badge } from "~/components/ui/badge";
import { DismissibleAlert } from "~/components/ui/dismissible-alert";
import { RowButton } from "~/components/ui/button";
import { ConfirmDialog } from "~/components/ui/form-dialog";
import { FormField } from "~/components/ui/form-field";
import { Input } from "~/components/ui/input";
import { ChoiceSelect } from "~/components/ui/select";
import { Table, TableBody, TableCell, TableColumns, TableRow } from "~/components/ui/table";
import { describeError, firstFieldError } from "~/components/ui/trpc-error";
import { useRequestDialog } from "~/components/ui/use-request-dialog";
import { api, type RouterOutputs } from "~/trpc/react";
import { ListCreateDialog, ListSection } from "./list-section";
import { DisableUserDialog, ResetPasswordDialog } from "./user-account-dialogs";

type User = RouterOutputs["user"]["list"][number];
type Role = User["role"];
const ROLES: readonly Role[] = ["ADMIN", "VIEWER"];
const EMPTY_USER = { email: "", name: "", password: "", role: "VIEWER" as Role };

export function UsersSection({ currentUserId }: { currentUserId: string }) {
  const t = useTranslations("users");
  const users = api.user.list.useQuery();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const focusHeading = () => headingRef.current?.focus();
  const [resetOf, setResetOf] = useState<string | null>(null);

  return (
    <ListSection
      headingRef={headingRef}
      title={t("title")}
      description={t("description")}
      action={<CreateUserDialog />}
      query={users}
      loading={t("loading")}
      loadFailed={(message) => t("loadFailed", { message })}
      empty={t("empty")}
    >
      {resetOf ? (
        <DismissibleAlert variant="success" role="status" className="mb-4" onDismiss={() => setResetOf(null)}>
          {t("resetDone", { email: resetOf })}
        </DismissibleAlert>
      ) : null}
      <Table>
        <TableColumns
          columns={[t("columns.email"), t("columns.name"), t("columns.role"), t("columns.created")]}
          actionsLabel={t("columns.actions")}
        />
        <TableBody>
          {users.data?.map((user) => (
            <UserRow key={user.id} user={user} isSelf={user.id === currentUserId} onGone={focusHeading} onReset={setResetOf} />
          ))}
        </TableBody>
      </Table>
    </ListSection>
  );
}

function UserRow({ user, isSelf, onGone, onReset }: { user: User; isSelf: boolean; onGone: () => void; onReset: (email: string) => void }) {
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
        {user.disabledAt ? (
          <Badge variant="warning" className="ml-2">
            {t("disabled")}
          </Badge>
        ) : null}
      </TableCell>
      <TableCell>{user.name}</TableCell>
      <TableCell>
        <div className="flex flex-col gap-1">
          <div className="flex items-center gap-2">
            <ChoiceSelect
              aria-label={t("roleFor", { email: user.email })}
              value={updateRole.isPending ? updateRole.variables.role : user.role}
              values={ROLES}
              label={(role) => tc(`roles.${role}`)}
              disabled={updateRole.isPending}
              aria-busy={updateRole.isPending || undefined}
              aria-describedby={roleError ? roleErrorId : undefined}
              onValueChange={(role) => updateRole.mutate({ id: user.id, role })}
            />
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
        <div className="flex flex-wrap justify-end gap-2">
          <ResetPasswordDialog user={user} isSelf={isSelf} onDone={onReset} />
          <DisableUserDialog user={user} isSelf={isSelf} />
          <DeleteUserDialog user={user} isSelf={isSelf} onGone={onGone} />
        </div>
      </TableCell>
    </TableRow>
  );
}

function DeleteUserDialog({ user, isSelf, onGone }: { user: User; isSelf: boolean; onGone: () => void }) {
  const t = useTranslations("users");
  const tc = useTranslations("common");
  const dialog = useRequestDialog();
  const utils = api.useUtils();
  const remove = api.user.delete.useMutation({ onSuccess: () => dialog.closeAfter(() => utils.user.list.invalidate()) });
  const error = describeError(remove.error);

  return (
    <ConfirmDialog
      {...dialog.bind(remove)}
      trigger={
        <RowButton label={t("deleteUser", { email: user.email })} disabled={isSelf} title={isSelf ? t("cannotDeleteSelf") : undefined}>
          {tc("delete")}
        </RowButton>
      }
      title={t("deleteTitle")}
      description={t("deleteDescription", { email: user.email })}
      // The row (and its button) is gone after a delete: land somewhere sensible.
      onTriggerGone={onGone}
      error={error ? error.message || t("deleteFailed") : null}
      confirmLabel={remove.isPending ? t("deleting") : t("deleteConfirm")}
      onConfirm={() => remove.mutate({ id: user.id })}
    />
  );
}

function CreateUserDialog() {
  const t = useTranslations("users");
  const tc = useTranslations("common");
  const [form, setForm] = useState(EMPTY_USER);
  const dialog = useRequestDialog();
  const utils = api.useUtils();
  const create = api.user.create.useMutation({
    onSuccess: async () => {
      await dialog.closeAfter(() => utils.user.list.invalidate());
      setForm(EMPTY_USER);
    },
  });
  const error = describeError(create.error);
  const set = (field: "email" | "name" | "password") => (e: React.ChangeEvent<HTMLInputElement>) =>
    setForm((f) => ({ ...f, [field]: e.target.value }));

  return (
    <ListCreateDialog
      namespace="users"
      {...dialog.bind(create)}
      error={error?.message}
      onSubmit={() => create.mutate({ email: form.email, name: form.name.trim() || undefined, password: form.password, role: form.role })}
    >
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
          <Input
            {...p}
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            value={form.password}
            onChange={set("password")}
          />
        )}
      </FormField>
      <FormField id="new-user-role" label={t("fields.role")} error={firstFieldError(error, "role")}>
        {(p) => (
          <ChoiceSelect
            {...p}
            value={form.role}
            values={ROLES}
            label={(role) => tc(`roles.${role}`)}
            onValueChange={(role) => setForm((f) => ({ ...f, role }))}
            className="w-full"
          />
        )}
      </FormField>
    </ListCreateDialog>
  );
}
