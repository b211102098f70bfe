import { z } from "zod";
import { SKIPPED_ENTRY_TYPES, type SkippedEntryType } from "~/shared/coverage";

export const MANIFEST_NAME = "berth-manifest.json";
export const MANIFEST_FORMAT = "berth-snapshot";
/** What the writer writes. v1 (no owners, links or holes; modes without special bits) is still read. */
export const MANIFEST_VERSION = 2;
const READABLE_VERSIONS = [1, 2] as const;

/** The manifest is read into memory whole, so it is capped. */
export const MANIFEST_MAX_BYTES = 1024 * 1024;
export const MANIFEST_MAX_VOLUMES = 64;
export const MANIFEST_MAX_SKIPPED = 2000;

/** What the writer records instead of archiving (the UI translates the same list). */
export const SKIPPED_TYPES = SKIPPED_ENTRY_TYPES;
export type SkippedType = SkippedEntryType;

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const text = (max: number) => z.string().min(1).max(max);

const volumeSchema = z.object({
  index: z
    .number()
    .int()
    .min(0)
    .max(MANIFEST_MAX_VOLUMES - 1),
  target: text(1024),
  scope: text(32),
  source: z.string().max(1024),
  /** Regular files in the volume and the sum of their sizes; the reader checks both. */
  files: count,
  bytes: count,
});

const skippedSchema = z.object({
  volume: z
    .number()
    .int()
    .min(0)
    .max(MANIFEST_MAX_VOLUMES - 1),
  path: z.string().max(1024),
  type: z.enum(SKIPPED_TYPES),
});

export const manifestSchema = z
  .object({
    format: z.literal(MANIFEST_FORMAT),
    version: z.union(READABLE_VERSIONS.map((v) => z.literal(v))),
    snapshotId: text(128),
    workloadId: text(128),
    workloadName: text(256),
    createdAt: z.iso.datetime({ offset: true }),
    volumes: z.array(volumeSchema).max(MANIFEST_MAX_VOLUMES),
    skipped: z.array(skippedSchema).max(MANIFEST_MAX_SKIPPED),
    /** Skipped items beyond MANIFEST_MAX_SKIPPED, counted but not listed. */
    skippedOmitted: count.optional(),
  })
  .superRefine((m, ctx) => {
    // Data entries are addressed by index and restore matches volumes by target:
    // both must be unambiguous.
    const indexes = new Set(m.volumes.map((v) => v.index));
    if (indexes.size !== m.volumes.length) ctx.addIssue({ code: "custom", message: "duplicate volume index", path: ["volumes"] });
    if (new Set(m.volumes.map((v) => v.target)).size !== m.volumes.length) {
      ctx.addIssue({ code: "custom", message: "duplicate volume target", path: ["volumes"] });
    }
    m.skipped.forEach((s, i) => {
      if (!indexes.has(s.volume)) ctx.addIssue({ code: "custom", message: "unknown volume", path: ["skipped", i, "volume"] });
    });
  });

export type SnapshotManifest = z.infer<typeof manifestSchema>;
export type ManifestVolume = SnapshotManifest["volumes"][number];
export type ManifestSkipped = SnapshotManifest["skipped"][number];

/** Parse + validate manifest bytes; returns a one-line reason on failure. */
export function parseManifest(bytes: Buffer): { ok: true; manifest: SnapshotManifest } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return { ok: false, reason: "manifest is not valid UTF-8 JSON" };
  }
  const format = (json as { format?: unknown } | null)?.format;
  const version = (json as { version?: unknown } | null)?.version;
  if (format !== MANIFEST_FORMAT) return { ok: false, reason: `manifest format is not '${MANIFEST_FORMAT}'` };
  if (!READABLE_VERSIONS.includes(version as 1 | 2))
    return { ok: false, reason: `unsupported manifest version (expected ${READABLE_VERSIONS.join(" or ")})` };
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "manifest";
    return { ok: false, reason: `manifest is invalid: ${where}: ${issue?.message ?? "invalid"}` };
  }
  return { ok: true, manifest: parsed.data };
}
