import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Actor } from "../actor";
import { readSnapshotArchive } from "../archive/strict-reader";
import { recordAudit } from "../audit";
import { DomainError } from "../errors";
import { publicMessage } from "../public-error";
import { loadWorkload } from "../workloads/workloads";
import type { SnapshotDeps } from "./capture";
import { snapshotDir, snapshotFileName, snapshotView, writeArchiveFile, type SnapshotView } from "./snapshot-store";

export interface ImportRequest {
  workloadId: string;
  body: Readable;
  label?: string;
  /** the uploaded file's name, used as the label when none is given */
  fileName?: string;
  maxBytes: number;
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
  (name ?? "").replace(/\.(tar\.gz|tgz)$/i, "").replace(/[\u0000-\u001f\u007f]/g, "").slice(0, 100);

/**
 * Stores an uploaded archive as an `imported` snapshot: streamed to a `.tmp` with a size cap
 * and hashed on the way, then validated completely by the strict reader (nothing is
 * extracted), then made durable, renamed into place and recorded. Any failure leaves nothing behind.
 */
export async function importSnapshot(deps: SnapshotDeps, actor: Actor, request: ImportRequest): Promise<ImportResult> {
  const workload = await loadWorkload(deps.db, request.workloadId);
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
        if (size > request.maxBytes) {
          done(new DomainError("PAYLOAD_TOO_LARGE", `The archive is larger than the import limit of ${request.maxBytes} bytes`));
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
      if (size === 0) throw new DomainError("BAD_REQUEST", "The upload is empty");
      op.progress({ phase: "validating", bytesDone: 0, bytesTotal: size });
      return readSnapshotArchive(createReadStream(tmpPath, { highWaterMark: 1024 * 1024 }), {});
    });

    const current = new Set(workload.config.volumes.map((v) => v.target));
    const targets = checked.manifest.volumes.map((v) => v.target);
    const row = await deps.db.snapshot.create({
      data: {
        id,
        workloadId: request.workloadId,
        label: (request.label?.trim() || labelFromFileName(request.fileName)).slice(0, 100),
        kind: "imported",
        fileName: snapshotFileName(id),
        size: BigInt(size),
        sha256: hash.digest("hex"),
        manifest: JSON.stringify({ volumes: checked.manifest.volumes, skipped: checked.manifest.skipped }),
        capturedLive: false,
        keepSpecialBits: request.keepSpecialBits === true,
        createdBy: actor.label,
      },
    });
    recorded = true;
    await recordAudit(deps.db, actor, { action: "snapshot.import", target: id, outcome: "success", detail: { bytes: size, keepSpecialBits: request.keepSpecialBits === true } });
    op.finish();
    return { snapshot: snapshotView(row), matched: targets.filter((t) => current.has(t)), unmatched: targets.filter((t) => !current.has(t)) };
  } catch (error) {
    request.body.destroy();
    // Renamed but never recorded: a file no row describes is not kept.
    if (!recorded) await fs.rm(finalPath, { force: true });
    deps.log.warn({ err: error, workloadId: request.workloadId }, "snapshot import failed");
    op.finish(publicMessage(error));
    await recordAudit(deps.db, actor, { action: "snapshot.import", target: request.workloadId, outcome: "failure", detail: { message: publicMessage(error) } });
    if (error instanceof DomainError) throw error;
    throw new DomainError("BAD_REQUEST", `The upload could not be stored: ${(error as NodeJS.ErrnoException).code === "ENOSPC" ? "the disk is full" : "the upload was interrupted"}`, { cause: error });
  }
}
