import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Actor } from "../actor";
import type { EngineDeps } from "../deps";
import { readSnapshotArchive } from "../archive/strict-reader";
import { audited } from "../audit";
import { DomainError } from "../errors";
import { publicFailure } from "../public-error";
import { queueCopiesOf } from "../storage/copy-run";
import { loadWorkload, type LoadedWorkload } from "../workloads/workloads";
import { recordSnapshot, snapshotDir, snapshotFileName, snapshotView, writeArchiveFile, type SnapshotView } from "./snapshot-store";

export interface ImportRequest {
  workloadId: string;
  body: Readable;
  label?: string;
  /** the uploaded file's name, used as the label when none is given */
  fileName?: string;
  /**
   * Keep setuid/setgid on files when this snapshot is restored. Off unless the admin says
   * they trust the archive: a setuid program runs with its owner's rights.
   */
  keepSpecialBits?: boolean;
}

export interface ImportResult {
  snapshot: SnapshotView;
  /** manifest volumes whose target is a current volume of the workload, and those that are not */
  matched: string[];
  unmatched: string[];
}

const labelFromFileName = (name?: string) =>
  (name ?? "")
    .replace(/\.(tar\.gz|tgz)$/i, "")
    .replace(/[\u0000-\u001f\u007f]/g, "")
    .slice(0, 100);

/**
 * Stores an uploaded archive as an `imported` snapshot: streamed to a `.tmp` with a size cap
 * and hashed on the way, then validated completely by the strict reader (nothing is
 * extracted), then made durable, renamed into place and recorded. Any failure leaves nothing behind.
 */
export async function importSnapshot(deps: EngineDeps, actor: Actor, request: ImportRequest): Promise<ImportResult> {
  const workload = await loadWorkload(deps.db, request.workloadId);
  const entry = { action: "snapshot.import", target: request.workloadId };
  return audited(
    deps,
    actor,
    entry,
    () => receiveImport(deps, actor, request, workload),
    ({ snapshot }) => ({
      target: snapshot.id,
      detail: { bytes: Number(snapshot.size), keepSpecialBits: request.keepSpecialBits === true },
    }),
  );
}

async function receiveImport(deps: EngineDeps, actor: Actor, request: ImportRequest, workload: LoadedWorkload): Promise<ImportResult> {
  const id = randomUUID();
  const finalPath = path.join(snapshotDir(deps.dataDir, request.workloadId), snapshotFileName(id));
  const op = deps.operations.start(id, request.workloadId, "import");
  const hash = createHash("sha256");
  let size = 0;
  let recorded = false;

  try {
    op.progress({ phase: "uploading" });
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > deps.importMaxBytes) {
          const params = { max: deps.importMaxBytes };
          done(
            new DomainError("PAYLOAD_TOO_LARGE", `The archive is larger than the import limit of ${params.max} bytes`, {
              reason: "import-too-large",
              params,
            }),
          );
          return;
        }
        hash.update(chunk);
        op.progress({ bytesDone: size });
        done(null, chunk);
      },
    });
    // Validated completely before it is renamed into place.
    const checked = await writeArchiveFile(deps.dataDir, request.workloadId, id, async (tmpPath) => {
      await pipeline(request.body, meter, createWriteStream(tmpPath, { flags: "wx", mode: 0o600 }));
      if (size === 0) throw new DomainError("BAD_REQUEST", "The upload is empty", { reason: "upload-empty" });
      op.progress({ phase: "validating", bytesDone: 0, bytesTotal: size });
      return readSnapshotArchive(createReadStream(tmpPath, { highWaterMark: 1024 * 1024 }), {});
    });

    const current = new Set(workload.config.volumes.map((v) => v.target));
    const targets = checked.manifest.volumes.map((v) => v.target);
    const row = await recordSnapshot(deps.db, {
      id,
      workloadId: request.workloadId,
      label: (request.label?.trim() || labelFromFileName(request.fileName)).slice(0, 100),
      kind: "imported",
      archive: { size, sha256: hash.digest("hex"), manifest: checked.manifest },
      capturedLive: false,
      keepSpecialBits: request.keepSpecialBits === true,
      createdBy: actor.label,
    });
    recorded = true;
    await queueCopiesOf(deps, row);
    op.finish();
    return {
      snapshot: snapshotView(row),
      matched: targets.filter((t) => current.has(t)),
      unmatched: targets.filter((t) => !current.has(t)),
    };
  } catch (error) {
    request.body.destroy();
    // Renamed but never recorded: a file no row describes is not kept.
    if (!recorded) await fs.rm(finalPath, { force: true });
    deps.log.warn({ err: error, workloadId: request.workloadId }, "snapshot import failed");
    op.finish(publicFailure(error));
    if (error instanceof DomainError) throw error;
    const diskFull = (error as NodeJS.ErrnoException).code === "ENOSPC";
    throw new DomainError(
      "BAD_REQUEST",
      `The upload could not be stored: ${diskFull ? "the disk is full" : "the upload was interrupted"}`,
      {
        cause: error,
        reason: diskFull ? "disk-full" : "upload-interrupted",
      },
    );
  }
}
