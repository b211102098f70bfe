import type { Readable } from "node:stream";
import type { TargetFolderProblem } from "~/shared/storage";
import { DomainError } from "../errors";

/** A regular file in a target's folder. */
export interface RemoteFile {
  name: string;
  size: number;
}

/**
 * One open connection to a storage target's folder. Names are plain file names the engine
 * made (REMOTE_NAME), never paths; a backend refuses anything else and follows no link.
 *
 * Writes are resumable and atomic: bytes go to a temporary name beside `name`, from an offset
 * (a retry continues from `partialSize`), and `commit` makes it `name` in one step, replacing
 * a file there. An S3-compatible backend fits the same shape: `partialSize` is the size of the
 * parts of an unfinished multipart upload, `writePartial` uploads more parts, `commit` is
 * CompleteMultipartUpload.
 */
export interface StorageBackend {
  /** bytes already under the temporary name of `name`; 0 when there are none */
  partialSize(name: string): Promise<number>;
  /**
   * Writes `data` to the temporary name of `name` starting at `offset` (0 starts afresh,
   * dropping what was there); durable on the target when it resolves. `onBytes` counts what was
   * written.
   */
  writePartial(name: string, offset: number, data: Readable, onBytes?: (bytes: number) => void): Promise<void>;
  /** The temporary file becomes `name` (replacing one there), durably. */
  commit(name: string): Promise<void>;
  /** `name`'s size, or null when it is not there */
  stat(name: string): Promise<{ size: number } | null>;
  /** `name`'s bytes from the start (NOT_FOUND `copy-not-found-remote` when absent) */
  read(name: string): Promise<Readable>;
  /** the regular files of the folder, temporary ones included */
  list(): Promise<RemoteFile[]>;
  /** removes `name` and its temporary file; absent ones are fine */
  remove(name: string): Promise<void>;
  close(): Promise<void>;
}

/** The archive and its description on a target: `<snapshotId>.tar.gz`, `<snapshotId>.json`. */
export const REMOTE_NAME = /^[A-Za-z0-9_-]{1,64}\.(tar\.gz|json)$/;
export const remoteArchiveName = (snapshotId: string) => `${snapshotId}.tar.gz`;
export const remoteSidecarName = (snapshotId: string) => `${snapshotId}.json`;
/** The temporary name a write goes to before its commit. */
export const partialName = (name: string) => `${name}.partial`;

/** Refuses a name the engine did not make: a backend never writes or reads outside its folder. */
export function checkedRemoteName(name: string): string {
  if (!REMOTE_NAME.test(name)) {
    throw new DomainError("BAD_REQUEST", "Not a file name Berth writes on a storage target", { reason: "remote-name-invalid" });
  }
  return name;
}

/** A target's folder refused, by a code the UI translates (never a path or a sentence). */
export const folderInvalid = (problem: TargetFolderProblem) =>
  new DomainError("BAD_REQUEST", `The storage target's folder is not usable (${problem})`, {
    reason: "target-folder-invalid",
    params: { problem },
  });

export const remoteMissing = () =>
  new DomainError("NOT_FOUND", "The copy is not on the storage target any more", { reason: "copy-not-found-remote" });

/** A failed read or write on a target, by errno / SFTP code only: never the target's own words or paths. */
export function targetIoFailed(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  const code = String((error as { code?: unknown }).code ?? "");
  if (code === "ENOSPC" || code === "EDQUOT" || code === "4-ENOSPC") {
    return new DomainError("PRECONDITION_FAILED", "The storage target is full", { cause: error, reason: "target-space-full" });
  }
  const detail = /^[A-Z0-9_-]{1,32}$/i.test(code) ? code : "I/O error";
  return new DomainError("PRECONDITION_FAILED", `Reading or writing on the storage target failed: ${detail}`, {
    cause: error,
    reason: "target-io-failed",
    params: { detail },
  });
}
