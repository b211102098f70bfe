// The storage target form's state, what it sends, and where a refusal belongs (no React here).
import {
  defaultDraft,
  draftOf as policyDraftOf,
  type DraftProblems,
  type PolicyDraft,
  readDraft,
} from "~/components/retention/policy-draft";
import type { ShownError } from "~/components/ui/trpc-error";
import type { RetentionPolicy } from "~/shared/retention";
import type { StorageKind } from "~/shared/storage";
import type { RouterInputs, RouterOutputs } from "~/trpc/react";

export type StorageTargetView = RouterOutputs["storageTarget"]["list"][number];
export type RemoteArchiveView = RouterOutputs["storageTarget"]["browse"][number];
export type CreateTargetInput = RouterInputs["storageTarget"]["create"];
export type UpdateTargetInput = RouterInputs["storageTarget"]["update"];

export const CREDENTIALS = ["key", "password"] as const;
export type Credential = (typeof CREDENTIALS)[number];
export const RETENTION_MODES = ["all", "policy"] as const;
export type RetentionMode = (typeof RETENTION_MODES)[number];

/** What the admin is typing; the port stays text until it is checked, secrets are never filled in. */
export interface TargetDraft {
  kind: StorageKind;
  name: string;
  host: string;
  port: string;
  username: string;
  folder: string;
  credential: Credential;
  privateKey: string;
  passphrase: string;
  password: string;
  forgetHostKey: boolean;
  enabled: boolean;
  retentionMode: RetentionMode;
  retention: PolicyDraft;
}

/** The form's fields a refusal can point at ("credential" is whichever secret field is shown). */
export type TargetField = "name" | "host" | "port" | "username" | "folder" | "credential" | "timezone";

/** A new target, or `target` as stored (with empty secrets: they never come back to the browser). */
export function targetDraftOf(target: StorageTargetView | undefined, timezone: string): TargetDraft {
  return {
    kind: target?.kind ?? "sftp",
    name: target?.name ?? "",
    host: target?.host ?? "",
    port: String(target?.port ?? 22),
    username: target?.username ?? "",
    folder: target?.folder ?? "",
    credential: target?.auth ?? "key",
    privateKey: "",
    passphrase: "",
    password: "",
    forgetHostKey: false,
    enabled: target?.enabled ?? true,
    retentionMode: target?.retention ? "policy" : "all",
    retention: target?.retention ? policyDraftOf(target.retention) : defaultDraft(timezone),
  };
}

const readPort = (text: string): number | null => {
  const trimmed = text.trim();
  const port = Number(trimmed);
  return /^\d{1,5}$/.test(trimmed) && port >= 1 && port <= 65_535 ? port : null;
};

/** The secret typed for the chosen credential; nothing when the field was left empty. */
function typedSecret(draft: TargetDraft): { privateKey?: string; passphrase?: string; password?: string } {
  if (draft.kind !== "sftp") return {};
  if (draft.credential === "key") {
    if (!draft.privateKey.trim()) return {};
    return { privateKey: draft.privateKey, ...(draft.passphrase ? { passphrase: draft.passphrase } : {}) };
  }
  return draft.password ? { password: draft.password } : {};
}

export interface ReadTarget {
  /** null while something needs correcting */
  where: { kind: "local"; folder: string } | { kind: "sftp"; host: string; port: number; username: string; folder: string } | null;
  retention: RetentionPolicy | null;
  portProblem: boolean;
  retentionProblems: DraftProblems;
}

/** What a draft stands for, or what is wrong with it. */
export function readTargetDraft(draft: TargetDraft): ReadTarget & { ok: boolean } {
  const policy = draft.retentionMode === "policy" ? readDraft(draft.retention) : { policy: null, problems: {} };
  const port = readPort(draft.port);
  const portProblem = draft.kind === "sftp" && port === null;
  const where =
    draft.kind === "local"
      ? { kind: "local" as const, folder: draft.folder.trim() }
      : port === null
        ? null
        : { kind: "sftp" as const, host: draft.host.trim(), port, username: draft.username.trim(), folder: draft.folder.trim() };
  const retentionBroken = draft.retentionMode === "policy" && policy.policy === null;
  return {
    ok: where !== null && !retentionBroken,
    where,
    retention: policy.policy,
    portProblem,
    retentionProblems: policy.problems,
  };
}

export function createInput(draft: TargetDraft, read: ReadTarget): CreateTargetInput | null {
  if (!read.where) return null;
  const common = { name: draft.name.trim(), enabled: draft.enabled, retention: read.retention };
  return read.where.kind === "local" ? { ...read.where, ...common } : { ...read.where, ...typedSecret(draft), ...common };
}

/**
 * An edit: name, state and retention always; where it points only when that changed (or a new
 * secret was typed), so renaming a target whose share is not mounted right now still works.
 */
export function updateInput(target: StorageTargetView, draft: TargetDraft, read: ReadTarget): UpdateTargetInput | null {
  const where = read.where;
  if (!where) return null;
  const secret = typedSecret(draft);
  const moved =
    where.kind === "local"
      ? where.folder !== target.folder
      : where.host !== target.host || where.port !== target.port || where.username !== target.username || where.folder !== target.folder;
  const sendWhere = moved || Object.keys(secret).length > 0;
  return {
    id: target.id,
    name: draft.name.trim(),
    enabled: draft.enabled,
    retention: read.retention,
    ...(sendWhere ? { where: { ...where, ...secret } } : {}),
    ...(draft.forgetHostKey && target.hostKey ? { forgetHostKey: true } : {}),
  };
}

// The server's reasons that are about one field: shown under it instead of above the form.
const REASON_FIELDS: Record<string, TargetField> = {
  "target-host-invalid": "host",
  "target-folder-invalid": "folder",
  "target-credentials-required": "credential",
  "target-key-invalid": "credential",
  "schedule-timezone-invalid": "timezone",
};
// zod's top-level keys (a create's fields are flat; an edit's sit under `where`).
const ZOD_FIELDS: Record<string, TargetField> = {
  name: "name",
  host: "host",
  port: "port",
  username: "username",
  folder: "folder",
  privateKey: "credential",
  password: "credential",
  passphrase: "credential",
};

/** A refusal split into the fields it is about and what is left for the form's message. */
export function placeError(
  shown: ShownError | null,
  reason: string | null | undefined,
): { form?: string; fields: Partial<Record<TargetField, string>> } {
  if (!shown) return { fields: {} };
  const fields: Partial<Record<TargetField, string>> = {};
  const rest: string[] = [];
  const field = reason ? REASON_FIELDS[reason] : undefined;
  if (field && shown.message) fields[field] = shown.message;
  else if (shown.message) rest.push(shown.message);
  for (const [key, messages] of Object.entries(shown.fieldErrors)) {
    const first = messages?.[0];
    if (!first) continue;
    const target = ZOD_FIELDS[key];
    if (target && !fields[target]) fields[target] = first;
    else rest.push(first);
  }
  return { form: rest.join(" ") || undefined, fields };
}
