import type { StorageTarget } from "~/generated/prisma/client";
import { decodeReason } from "~/shared/encoded-reason";
import type { ErrorParams } from "~/shared/error-reasons";
import type { RetentionPolicy } from "~/shared/retention";
import { isStorageKind, type StorageKind } from "~/shared/storage";
import type { EngineDeps } from "../deps";
import { badRequest, DomainError, notFound } from "../errors";
import { openLocalFolder } from "./local-folder";
import { openSftpFolder, type SftpSecret, type SftpSettings } from "./sftp-folder";
import type { StorageBackend } from "./storage-backend";

/** What a target stores without secrets (StorageTarget.config). */
export type TargetConfig = ({ kind: "sftp"; auth: "key" | "password" } & SftpSettings) | { kind: "local"; folder: string };

/** A target as clients see it: where it is and how it is doing, never its password or key. */
export interface StorageTargetView {
  id: string;
  name: string;
  kind: StorageKind;
  enabled: boolean;
  folder: string;
  /** sftp only */
  host?: string;
  port?: number;
  username?: string;
  /** sftp only: which credential is stored (never the credential) */
  auth?: "key" | "password";
  /** sftp: the pinned host key fingerprint, null until the first connection */
  hostKey: string | null;
  /** remote copies kept per workload; null keeps every copy */
  retention: RetentionPolicy | null;
  createdAt: Date;
  lastCheckAt: Date | null;
  lastOutcome: string | null;
  lastReason?: string;
  lastParams?: ErrorParams;
}

export function targetConfig(row: Pick<StorageTarget, "config" | "kind">): TargetConfig {
  const parsed = JSON.parse(row.config) as TargetConfig;
  if (!isStorageKind(row.kind) || parsed.kind !== row.kind) throw new Error("storage target config does not match its kind");
  return parsed;
}

export function targetSecret(deps: Pick<EngineDeps, "secrets">, row: Pick<StorageTarget, "secretSealed">): SftpSecret {
  return row.secretSealed ? (JSON.parse(deps.secrets.open(row.secretSealed)) as SftpSecret) : {};
}

export function targetRetention(row: Pick<StorageTarget, "retention">): RetentionPolicy | null {
  return row.retention ? (JSON.parse(row.retention) as RetentionPolicy) : null;
}

export function storageTargetView(row: StorageTarget): StorageTargetView {
  const config = targetConfig(row);
  const last = row.lastDetail ? decodeReason(row.lastDetail) : null;
  return {
    id: row.id,
    name: row.name,
    kind: config.kind,
    enabled: row.enabled,
    folder: config.folder,
    ...(config.kind === "sftp" ? { host: config.host, port: config.port, username: config.username, auth: config.auth } : {}),
    hostKey: row.hostKey,
    retention: targetRetention(row),
    createdAt: row.createdAt,
    lastCheckAt: row.lastCheckAt,
    lastOutcome: row.lastOutcome,
    ...(last ? { lastReason: last.reason, lastParams: last.params ?? {} } : {}),
  };
}

export async function getStorageTargetRow(deps: Pick<EngineDeps, "db">, id: string): Promise<StorageTarget> {
  const row = await deps.db.storageTarget.findUnique({ where: { id } });
  if (!row) throw notFound("storageTarget");
  return row;
}

/**
 * Opens a connection to the target's folder. SFTP: the host key is checked against the pinned
 * one, or pinned now when there is none yet (trust on first use, the way ssh asks once).
 */
export async function openTarget(
  deps: Pick<EngineDeps, "db" | "secrets" | "dataDir" | "log">,
  row: StorageTarget,
): Promise<StorageBackend> {
  const config = targetConfig(row);
  if (config.kind === "local") return openLocalFolder(config.folder, deps.dataDir);
  const { kind: _kind, auth: _auth, ...settings } = config;
  const { backend, hostKey } = await openSftpFolder(settings, targetSecret(deps, row), row.hostKey, { log: deps.log });
  if (!row.hostKey) {
    // Pinned only where still unpinned and still pointing where this connection went: of two first
    // connections, the one that did not pin must have met the key the other pinned.
    const { count } = await deps.db.storageTarget.updateMany({
      where: { id: row.id, hostKey: null, config: row.config },
      data: { hostKey },
    });
    const pinned = count === 1 ? hostKey : (await deps.db.storageTarget.findUnique({ where: { id: row.id } }))?.hostKey;
    if (pinned !== hostKey) {
      await backend.close().catch(() => {});
      throw new DomainError("PRECONDITION_FAILED", "The SSH server's host key is not the one pinned for this target", {
        reason: "target-host-key-mismatch",
        params: { expected: pinned ?? "", actual: hostKey },
      });
    }
    row.hostKey = hostKey;
  }
  return backend;
}

/** Runs `work` on an open connection to the target and closes it, whatever happens. */
export async function withTarget<T>(
  deps: Pick<EngineDeps, "db" | "secrets" | "dataDir" | "log">,
  row: StorageTarget,
  work: (backend: StorageBackend) => Promise<T>,
): Promise<T> {
  if (!row.enabled) throw new DomainError("PRECONDITION_FAILED", "This storage target is disabled", { reason: "target-disabled" });
  const backend = await openTarget(deps, row);
  try {
    return await work(backend);
  } finally {
    await backend.close().catch(() => {});
  }
}

const HOST = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^\[?[0-9A-Fa-f:]+\]?$/;

/** A host name or an IP address, nothing else (no user@, no :port, no path). */
export function checkedHost(host: string): string {
  const trimmed = host.trim();
  if (!HOST.test(trimmed))
    throw badRequest("Enter a host name or IP address, without user, port or path", { reason: "target-host-invalid" });
  return trimmed.replace(/^\[|\]$/g, "");
}
