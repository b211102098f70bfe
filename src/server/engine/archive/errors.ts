import { DomainError } from "../errors";

const MAX_SHOWN_PATH = 200;

/** Quote an archive path for a message: control characters escaped, long paths cut. */
export function showPath(path: string): string {
  // eslint-disable-next-line no-control-regex
  let shown = path.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  if (shown.length > MAX_SHOWN_PATH) shown = `${shown.slice(0, MAX_SHOWN_PATH)}…`;
  return `'${shown}'`;
}

/**
 * The archive is refused as a whole. `message` names the entry (1-based, the manifest is
 * entry 1) and its path when the problem belongs to one, e.g.
 * `entry 12 'volumes/0/../x': path contains a '..' segment`.
 */
export class ArchiveRejectedError extends DomainError {
  /** what is wrong, in English (the DomainError's `reason` is the code "archive-invalid") */
  readonly problem: string;
  readonly entryNumber?: number;
  readonly entryPath?: string;

  constructor(reason: string, where?: { entryNumber: number; entryPath?: string }, options?: { cause?: unknown }) {
    const prefix = where ? `entry ${where.entryNumber}${where.entryPath === undefined ? "" : ` ${showPath(where.entryPath)}`}: ` : "";
    const detail = `${prefix}${reason}`;
    super("BAD_REQUEST", `invalid snapshot archive: ${detail}`, { ...options, reason: "archive-invalid", params: { detail } });
    this.name = "ArchiveRejectedError";
    this.problem = reason;
    this.entryNumber = where?.entryNumber;
    this.entryPath = where?.entryPath;
  }
}

/**
 * A file changed, vanished or was replaced between the walk and its read. The writer fails
 * rather than emit an entry whose header disagrees with its data; the caller may retry.
 */
export class ArchiveSourceChangedError extends DomainError {
  readonly volumeIndex: number;
  readonly path: string;

  constructor(volumeIndex: number, path: string, what: string) {
    super("CONFLICT", `volume ${volumeIndex}: ${showPath(path)} ${what} while the snapshot was being written`, {
      reason: "snapshot-source-changed",
    });
    this.name = "ArchiveSourceChangedError";
    this.volumeIndex = volumeIndex;
    this.path = path;
  }
}
