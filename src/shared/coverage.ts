import { isOneOf } from "./codes";

/** Why a workload's volume is left out of its snapshots, translated as `snapshotCoverage.reasons.<reason>`. */
export const COVERAGE_SKIP_REASONS = ["named-volume", "read-only", "missing-folder", "not-image"] as const;
export type CoverageSkipReason = (typeof COVERAGE_SKIP_REASONS)[number];
export const isCoverageSkipReason = isOneOf(COVERAGE_SKIP_REASONS);

/**
 * What the archive writer lists instead of archiving (manifest.skipped[].type), translated
 * as `snapshots.skippedTypes.<type>`: special files, names and link targets the reader
 * would refuse. "symlink" appears only in v1 manifests (v1 did not keep links);
 * "unsupported-link" is a link whose target is not UTF-8 text or is longer than 4095 bytes.
 */
export const SKIPPED_ENTRY_TYPES = [
  "symlink",
  "socket",
  "fifo",
  "character-device",
  "block-device",
  "other",
  "unsupported-name",
  "unsupported-link",
] as const;
export type SkippedEntryType = (typeof SKIPPED_ENTRY_TYPES)[number];
export const isSkippedEntryType = isOneOf(SKIPPED_ENTRY_TYPES);
