import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { encodeReason } from "~/shared/encoded-reason";
import type { RetentionPolicy } from "~/shared/retention";
import type { Actor } from "../actor";
import { audited, recordAudit } from "../audit";
import type { EngineDeps } from "../deps";
import { badRequest, conflict, DomainError } from "../errors";
import { publicFailure } from "../public-error";
import { assertTimeZone } from "../time-zone";
import { assertWorkloadExists } from "../workloads/workload-exists";
import { checkLocalFolder, markLocalFolder } from "./local-folder";
import { checkPrivateKey, type SftpSecret } from "./sftp-connect";
import { checkSftpFolder } from "./sftp-folder";
import { checkedRemoteName } from "./storage-backend";
import {
  checkedHost,
  getStorageTargetRow,
  storageTargetView,
  targetConfig,
  withTarget,
  type StorageTargetView,
  type TargetConfig,
} from "./target-settings";

export interface SftpTargetInput {
  kind: "sftp";
  host: string;
  port: number;
  username: string;
  folder: string;
  /** one of the two; on update, both absent keep the stored credential */
  password?: string;
  privateKey?: string;
  passphrase?: string;
}
export interface LocalTargetInput {
  kind: "local";
  folder: string;
}
export type TargetInput = (SftpTargetInput | LocalTargetInput) & {
  name: string;
  enabled?: boolean;
  retention?: RetentionPolicy | null;
};

/** Where the target points, checked; `auth` says which credential is stored (the view shows it without opening it). */
async function checkedConfig(
  deps: EngineDeps,
  input: SftpTargetInput | LocalTargetInput,
  auth: "key" | "password" | undefined,
): Promise<TargetConfig> {
  if (input.kind === "local") {
    const folder = checkLocalFolder(input.folder.trim(), deps.dataDir);
    // Saved while the share is mounted: from now on a folder without the marker is refused.
    await markLocalFolder(folder, deps.dataDir);
    return { kind: "local", folder };
  }
  const folder = checkSftpFolder(input.folder.trim() || ".");
  return {
    kind: "sftp",
    host: checkedHost(input.host),
    port: input.port,
    username: input.username.trim(),
    folder,
    auth: auth ?? "password",
  };
}

/** The credential to seal (a key is read first: a bad one is refused now, not at the first copy); undefined keeps the stored one. */
function newSecret(input: SftpTargetInput | LocalTargetInput, required: boolean): SftpSecret | undefined {
  if (input.kind === "local") return undefined;
  const privateKey = input.privateKey?.trim() ? `${input.privateKey.trim()}\n` : undefined;
  const password = input.password ? input.password : undefined;
  if (!privateKey && !password) {
    if (required) throw badRequest("Give a private key or a password", { reason: "target-credentials-required" });
    return undefined;
  }
  if (privateKey) checkPrivateKey(privateKey, input.passphrase || undefined);
  return privateKey ? { privateKey, ...(input.passphrase ? { passphrase: input.passphrase } : {}) } : { password };
}

const authOf = (secret: SftpSecret | undefined) => (secret ? (secret.privateKey ? "key" : "password") : undefined);

function checkedRetention(retention: RetentionPolicy | null | undefined): string | null | undefined {
  if (retention === undefined) return undefined;
  if (retention === null) return null;
  assertTimeZone(retention.timezone);
  return JSON.stringify(retention);
}

export async function listStorageTargets(deps: EngineDeps, _admin: Actor): Promise<StorageTargetView[]> {
  const rows = await deps.db.storageTarget.findMany({ orderBy: { createdAt: "asc" } });
  return rows.map((row) => storageTargetView(row));
}

export async function createStorageTarget(deps: EngineDeps, actor: Actor, input: TargetInput): Promise<StorageTargetView> {
  const name = input.name.trim();
  return audited(
    deps,
    actor,
    { action: "storageTarget.create", target: name, detail: { kind: input.kind } },
    async () => {
      const secret = newSecret(input, true);
      const config = await checkedConfig(deps, input, authOf(secret));
      const row = await deps.db.storageTarget.create({
        data: {
          name,
          kind: config.kind,
          config: JSON.stringify(config),
          secretSealed: secret ? deps.secrets.seal(JSON.stringify(secret)) : null,
          enabled: input.enabled ?? true,
          retention: checkedRetention(input.retention) ?? null,
        },
      });
      return storageTargetView(row);
    },
    (view) => ({ target: view.id, detail: { name } }),
  );
}

/**
 * Changes what is given. Omitted credentials keep the stored ones (clients never have them to
 * send back); `forgetHostKey` drops the pinned key so the next connection pins the server's
 * current one (after the server was reinstalled). Where it points cannot change kind.
 */
export async function updateStorageTarget(
  deps: EngineDeps,
  actor: Actor,
  input: { id: string } & Partial<Omit<TargetInput, "kind">> & { where?: SftpTargetInput | LocalTargetInput; forgetHostKey?: boolean },
): Promise<StorageTargetView> {
  const { id, where, forgetHostKey } = input;
  const changed = Object.keys(input).filter((k) => k !== "id" && input[k as keyof typeof input] !== undefined);
  return audited(deps, actor, { action: "storageTarget.update", target: id, detail: { changed } }, async () => {
    const row = await getStorageTargetRow(deps, id);
    if (where && where.kind !== row.kind) throw badRequest("A storage target's kind cannot change", { reason: "target-kind-fixed" });
    const old = targetConfig(row);
    const secret = where ? newSecret(where, false) : undefined;
    const config = where ? await checkedConfig(deps, where, authOf(secret) ?? (old.kind === "sftp" ? old.auth : undefined)) : undefined;
    // A new host or port is another server: its key is pinned afresh.
    const moved = config?.kind === "sftp" && old.kind === "sftp" && (config.host !== old.host || config.port !== old.port);
    // Copies recorded as verified at the old place are not known to be at the new one: the next verification says.
    const elsewhere =
      config &&
      (config.folder !== old.folder || moved || (config.kind === "sftp" && old.kind === "sftp" && config.username !== old.username));
    const [updated] = await deps.db.$transaction([
      deps.db.storageTarget.update({
        where: { id },
        data: {
          ...(input.name === undefined ? {} : { name: input.name.trim() }),
          ...(input.enabled === undefined ? {} : { enabled: input.enabled }),
          ...(input.retention === undefined ? {} : { retention: checkedRetention(input.retention) }),
          ...(config ? { config: JSON.stringify(config) } : {}),
          ...(secret ? { secretSealed: deps.secrets.seal(JSON.stringify(secret)) } : {}),
          ...(forgetHostKey || moved ? { hostKey: null } : {}),
        },
      }),
      ...(elsewhere
        ? [
            deps.db.snapshotCopy.updateMany({
              where: { targetId: id, state: { in: ["verified", "corrupt"] } },
              data: { state: "missing", verifiedAt: null, checkedAt: null, detail: encodeReason({ reason: "copy-not-found-remote" }) },
            }),
          ]
        : []),
    ]);
    return storageTargetView(updated);
  });
}

/** Removes the target and Berth's record of its copies; the files on the target stay where they are. */
export async function deleteStorageTarget(deps: EngineDeps, actor: Actor, input: { id: string }): Promise<void> {
  const { id } = input;
  await audited(
    deps,
    actor,
    { action: "storageTarget.delete", target: id },
    async () => {
      const row = await getStorageTargetRow(deps, id);
      if (deps.copies.isTargetBusy(id))
        throw conflict("A copy to this target is running; try again when it has finished", { reason: "target-in-use" });
      await deps.db.storageTarget.delete({ where: { id } });
      return row;
    },
    (row) => ({ detail: { name: row.name } }),
  );
}

/** Records how the last connection to a target went (the settings page shows it). */
export async function recordTargetCheck(deps: EngineDeps, targetId: string, error?: unknown): Promise<void> {
  const failure = error === undefined ? undefined : publicFailure(error);
  await deps.db.storageTarget
    .update({
      where: { id: targetId },
      data: {
        lastCheckAt: deps.clock.now(),
        lastOutcome: failure ? "failed" : "ok",
        lastDetail: failure ? encodeReason({ reason: failure.reason ?? "unexpected", params: failure.params }) : null,
      },
    })
    .catch(() => {}); // deleted meanwhile
}

export interface TargetTestResult {
  ok: boolean;
  /** sftp: the host key now pinned */
  hostKey: string | null;
  reason?: string;
  params?: Record<string, string | number>;
}

/**
 * Connects (pinning the host key on first use), writes a small file, reads it back and removes
 * it: what a copy will need. A refusal is the result, not an error.
 */
export async function testStorageTarget(deps: EngineDeps, actor: Actor, input: { id: string }): Promise<TargetTestResult> {
  const row = await getStorageTargetRow(deps, input.id);
  const probe = `berth-probe-${randomUUID().slice(0, 8)}.json`;
  const body = JSON.stringify({ probe: true, at: deps.clock.now().toISOString() });
  let failure: unknown;
  try {
    await withTarget(deps, { ...row, enabled: true }, async (backend) => {
      await backend.writePartial(checkedRemoteName(probe), 0, Readable.from([Buffer.from(body)]));
      await backend.commit(probe);
      let read = "";
      for await (const chunk of await backend.read(probe)) {
        read += String(chunk);
        // A server that sends more than was written is wrong already (and may never stop).
        if (read.length > body.length) break;
      }
      await backend.remove(probe);
      if (read !== body)
        throw new DomainError("PRECONDITION_FAILED", "The test file read back differs", { reason: "copy-checksum-mismatch" });
    });
  } catch (error) {
    failure = error;
    deps.log.warn({ err: error, targetId: row.id }, "storage target test failed");
  }
  await recordTargetCheck(deps, row.id, failure);
  const pinned = await getStorageTargetRow(deps, row.id);
  const result: TargetTestResult = failure
    ? { ok: false, hostKey: pinned.hostKey, reason: publicFailure(failure).reason ?? "unexpected", params: publicFailure(failure).params }
    : { ok: true, hostKey: pinned.hostKey };
  await recordAudit(deps.db, actor, {
    action: "storageTarget.test",
    target: row.id,
    outcome: result.ok ? "success" : "failure",
    detail: { reason: result.reason },
  });
  return result;
}

/** Which targets get a copy of each new snapshot of the workload. */
export async function getCopyPolicy(deps: EngineDeps, _admin: Actor, input: { workloadId: string }): Promise<{ targetIds: string[] }> {
  await assertWorkloadExists(deps, input.workloadId);
  const rules = await deps.db.copyRule.findMany({ where: { workloadId: input.workloadId } });
  return { targetIds: rules.map((r) => r.targetId) };
}

export async function setCopyPolicy(
  deps: EngineDeps,
  actor: Actor,
  input: { workloadId: string; targetIds: string[] },
): Promise<{ targetIds: string[] }> {
  const { workloadId } = input;
  const targetIds = [...new Set(input.targetIds)];
  return audited(deps, actor, { action: "copyPolicy.set", target: workloadId, detail: { targetIds } }, async () => {
    await assertWorkloadExists(deps, workloadId);
    for (const id of targetIds) await getStorageTargetRow(deps, id);
    await deps.db.$transaction([
      deps.db.copyRule.deleteMany({ where: { workloadId } }),
      ...targetIds.map((targetId) => deps.db.copyRule.create({ data: { workloadId, targetId } })),
    ]);
    return { targetIds };
  });
}
