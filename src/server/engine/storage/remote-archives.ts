import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Actor } from "../actor";
import { audited } from "../audit";
import type { EngineDeps } from "../deps";
import { badRequest, conflict } from "../errors";
import { recordSnapshot, snapshotView, type SnapshotView } from "../snapshots/snapshot-store";
import { assertWorkloadExists } from "../workloads/workload-exists";
import { downloadArchive, fetchLockKey, fetching } from "./fetch-copy";
import { REMOTE_NAME, type RemoteFile, remoteSidecarName, type StorageBackend } from "./storage-backend";
import { getStorageTargetRow, withTarget } from "./target-settings";

/** An archive found on a target, with what its description says (if it has a readable one). */
export interface RemoteArchive {
  name: string;
  snapshotId: string;
  size: number;
  /** from the `.json` beside it; absent when missing or damaged (the archive can still be imported) */
  described?: { workloadId: string; workloadName: string; label: string; kind: string; createdAt: Date; sha256: string };
  /** this install has a copy record for it */
  known: boolean;
  /** the snapshot is here, with its file */
  here: boolean;
}

// The description is read from a target nobody here controls: small, and checked field by field.
const SIDECAR_MAX = 64 * 1024;
const sidecarSchema = z.object({
  format: z.literal("berth-copy"),
  version: z.literal(1),
  snapshotId: z.string().max(64),
  workloadId: z.string().max(64),
  workloadName: z.string().max(200),
  label: z.string().max(200),
  kind: z.string().max(32),
  createdAt: z.iso.datetime(),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

async function readSidecar(backend: StorageBackend, snapshotId: string): Promise<z.infer<typeof sidecarSchema> | undefined> {
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of await backend.read(remoteSidecarName(snapshotId))) {
      size += (chunk as Buffer).length;
      if (size > SIDECAR_MAX) return undefined;
      chunks.push(chunk as Buffer);
    }
    const parsed = sidecarSchema.safeParse(JSON.parse(Buffer.concat(chunks).toString("utf8")));
    return parsed.success && parsed.data.snapshotId === snapshotId ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const archiveId = (name: string) => (name.endsWith(".tar.gz") && REMOTE_NAME.test(name) ? name.slice(0, -".tar.gz".length) : null);

/** What the target holds: every archive Berth could have written there, newest description first. */
export async function browseTarget(deps: EngineDeps, _admin: Actor, input: { id: string }): Promise<RemoteArchive[]> {
  const target = await getStorageTargetRow(deps, input.id);
  const found = await deps.copies.onTarget(target.id, () =>
    withTarget(deps, target, async (backend) => {
      const archives = (await backend.list()).flatMap((f) => {
        const snapshotId = archiveId(f.name);
        return snapshotId ? [{ ...f, snapshotId }] : [];
      });
      // Bounded: a folder of thousands is listed, the descriptions of the first 500 read, 8 at a time.
      const described: (RemoteFile & { snapshotId: string; sidecar?: Awaited<ReturnType<typeof readSidecar>> })[] = [];
      for (let i = 0; i < archives.length; i += 8) {
        const batch = archives.slice(i, i + 8);
        described.push(
          ...(await Promise.all(
            batch.map(async (a, j) => ({ ...a, sidecar: i + j < 500 ? await readSidecar(backend, a.snapshotId) : undefined })),
          )),
        );
      }
      return described;
    }),
  );
  const ids = found.map((f) => f.snapshotId);
  const known = new Set(
    (await deps.db.snapshotCopy.findMany({ where: { targetId: target.id, snapshotId: { in: ids } }, select: { snapshotId: true } })).map(
      (c) => c.snapshotId,
    ),
  );
  const here = new Set(
    (await deps.db.snapshot.findMany({ where: { id: { in: ids }, fileMissing: false }, select: { id: true } })).map((s) => s.id),
  );
  return found
    .map((f) => ({
      name: f.name,
      snapshotId: f.snapshotId,
      size: f.size,
      ...(f.sidecar
        ? {
            described: {
              workloadId: f.sidecar.workloadId,
              workloadName: f.sidecar.workloadName,
              label: f.sidecar.label,
              kind: f.sidecar.kind,
              createdAt: new Date(f.sidecar.createdAt),
              sha256: f.sidecar.sha256,
            },
          }
        : {}),
      known: known.has(f.snapshotId),
      here: here.has(f.snapshotId),
    }))
    .sort((a, b) => (b.described?.createdAt.getTime() ?? 0) - (a.described?.createdAt.getTime() ?? 0));
}

/**
 * Imports an archive from a target into a workload, as an upload would be (kind `imported`,
 * setuid/setgid stripped at restore unless `keepSpecialBits`): the way a new install gets its
 * data back (disaster recovery). The archive keeps its snapshot id when that id is free here,
 * and the copy is recorded as verified (its bytes were just read and checked).
 */
export async function importFromTarget(
  deps: EngineDeps,
  actor: Actor,
  input: { targetId: string; name: string; workloadId: string; label?: string; keepSpecialBits?: boolean },
): Promise<SnapshotView> {
  const target = await getStorageTargetRow(deps, input.targetId);
  const remoteId = archiveId(input.name);
  if (!remoteId) throw badRequest("Not an archive Berth writes on a storage target", { reason: "remote-name-invalid" });
  const entry = { action: "storageTarget.import", target: input.workloadId, detail: { targetId: target.id, name: input.name } };
  return deps.locks.run(fetchLockKey(remoteId), () =>
    audited(
      deps,
      actor,
      entry,
      async () => {
        await assertWorkloadExists(deps, input.workloadId);
        const taken = await deps.db.snapshot.findUnique({ where: { id: remoteId } });
        if (taken?.workloadId === input.workloadId && !taken.fileMissing) {
          throw conflict("This snapshot is already here with its file", { reason: "snapshot-exists" });
        }
        // A free id is kept (so the copy record matches the file on the target), as is this workload's
        // own snapshot whose file went missing (refilled); another workload's id is never reused.
        const refill = taken?.workloadId === input.workloadId;
        const id = taken && !refill ? randomUUID() : remoteId;
        let described: Awaited<ReturnType<typeof readSidecar>>;
        const row = await fetching(deps, target, input.workloadId, id, async (backend, op) => {
          described = await readSidecar(backend, remoteId);
          // Refilling this workload's own snapshot: its row says what the bytes must be, not the description.
          const expected = refill && taken ? { sha256: taken.sha256, size: Number(taken.size) } : described;
          const got = await downloadArchive(deps, backend, {
            name: input.name,
            workloadId: input.workloadId,
            id,
            expectedSha256: expected?.sha256,
            expectedSize: expected?.size,
            op,
          });
          if (refill) return deps.db.snapshot.update({ where: { id }, data: { fileMissing: false } });
          return recordSnapshot(deps.db, {
            id,
            workloadId: input.workloadId,
            label: (input.label?.trim() || described?.label || remoteId).slice(0, 100),
            kind: "imported",
            archive: got,
            capturedLive: false,
            keepSpecialBits: input.keepSpecialBits === true,
            createdBy: actor.label,
          });
        });
        const now = deps.clock.now();
        // Imported under a new id (its own was another workload's): the file on the target is that
        // other snapshot's copy, and is never recorded twice (a prune of one would remove the other's).
        if (row.id !== remoteId) return snapshotView(row);
        await deps.db.snapshotCopy.upsert({
          where: { snapshotId_targetId: { snapshotId: row.id, targetId: target.id } },
          create: {
            targetId: target.id,
            snapshotId: row.id,
            workloadId: row.workloadId,
            remoteName: input.name,
            size: row.size,
            sha256: row.sha256,
            kind: row.kind,
            label: row.label,
            snapshotCreatedAt: row.createdAt,
            state: "verified",
            bytesDone: row.size,
            copiedAt: now,
            verifiedAt: now,
            checkedAt: now,
          },
          update: { state: "verified", verifiedAt: now, checkedAt: now, detail: null },
        });
        return snapshotView(row);
      },
      (view) => ({ detail: { snapshotId: view.id } }),
    ),
  );
}
