// Per-archive caps the strict reader enforces while streaming. Callers may tighten or loosen
// any of them (tests use tiny values); the defaults are sized for real volumes.
export interface ArchiveLimits {
  /** Total uncompressed tar stream (headers + data + padding), in bytes. */
  maxTotalBytes: number;
  /** Entries, counting the manifest (pax / GNU long-name records are not entries). */
  maxEntries: number;
  /** Segments of an archive path, e.g. `volumes/0/a/b` has 4. */
  maxPathDepth: number;
  /** UTF-8 bytes of an archive path. */
  maxPathLength: number;
  /**
   * Directories that entries' paths imply without an entry of their own (Berth's writer lists
   * every directory). With maxEntries, this bounds the reader's path bookkeeping.
   */
  maxImpliedDirectories: number;
  /** Size of one pax extended header or GNU long-name record body, in bytes. */
  maxExtendedHeaderBytes: number;
  /** A sparse file's map (held whole while it is read), in bytes; the writer's stay far below. */
  maxSparseMapBytes: number;
  /**
   * Zip-bomb guard: reject as soon as uncompressed > ratio × compressed + allowance +
   * what the manifest declares (see declaredAllowance). Checked on every decompressed
   * chunk, so a bomb is stopped early.
   */
  maxDecompressionRatio: number;
  decompressionAllowanceBytes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxTotalBytes: 1024 * 1024 * MiB, // 1 TiB
  maxEntries: 5_000_000,
  maxPathDepth: 64,
  maxPathLength: 4096,
  maxImpliedDirectories: 1_000_000,
  maxExtendedHeaderBytes: 64 * 1024,
  maxSparseMapBytes: 4 * MiB,
  maxDecompressionRatio: 200,
  decompressionAllowanceBytes: 64 * MiB,
});

export function resolveLimits(overrides?: Partial<ArchiveLimits>): ArchiveLimits {
  const limits = { ...DEFAULT_ARCHIVE_LIMITS, ...overrides };
  for (const [key, value] of Object.entries(limits)) {
    if (typeof value !== "number" || !(value >= 0)) throw new TypeError(`archive limit ${key} must be a number >= 0`);
  }
  return limits;
}

/**
 * File data the manifest declares, with room for each file's header, pax record and padding.
 * The reader enforces the declared totals as hard upper bounds while streaming, so these
 * bytes cannot be inflated beyond what restore's disk pre-check already plans for; without
 * this, a volume holding large runs of zeros (sparse or preallocated files, which deflate
 * ~1000:1) could never be restored.
 */
export function declaredAllowance(volumes: readonly { files: number; bytes: number }[]): number {
  return volumes.reduce((sum, v) => sum + v.bytes + v.files * 2048, 0);
}
