// Path (and link and time) rules shared by the writer (which skips names it could not restore)
// and the strict reader (which refuses them). Archive paths are `volumes/<index>/<relative path>`.

export const VOLUMES_DIR = "volumes";

/** Linux's limit for a symlink target (PATH_MAX, counting the NUL): longer ones are skipped / refused. */
export const MAX_LINK_TARGET_BYTES = 4095;
const DAY_NS = 86_400_000_000_000n;

/** An mtime (ns) within [1970, now + 1 day]: what the reader keeps, so what the writer writes. */
export function clampMtimeNs(ns: bigint): bigint {
  const max = BigInt(Date.now()) * 1_000_000n + DAY_NS;
  return ns < 0n ? 0n : ns > max ? max : ns;
}

// C0, DEL and C1 controls: invisible in a UI, and newline / NUL confuse other tools.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const INDEX = /^(0|[1-9][0-9]{0,5})$/; // decimal, no leading zeros: `01` would alias `1`

/** Why a single path segment (file or directory name) is unacceptable, or null. */
export function segmentProblem(segment: string): string | null {
  if (segment === "") return "path has an empty segment";
  if (segment === ".") return "path contains a '.' segment";
  if (segment === "..") return "path contains a '..' segment";
  if (segment.includes("\\")) return "path contains a backslash";
  if (segment.includes("\0")) return "path contains a NUL character";
  if (CONTROL.test(segment)) return "path contains a control character";
  return null;
}

export function volumeEntryPath(index: number, relativePath: string, directory: boolean): string {
  const base = `${VOLUMES_DIR}/${index}/`;
  if (relativePath === "") return base;
  return directory ? `${base}${relativePath}/` : `${base}${relativePath}`;
}

export type ParsedEntryPath = { ok: true; volumeIndex: number; relativePath: string; segments: number } | { ok: false; reason: string };

/**
 * Check a data entry's archive path. Directories may end with one `/`; nothing else may be
 * empty. Checks are ordered so the reported reason is the most specific one.
 */
export function parseEntryPath(path: string, directory: boolean): ParsedEntryPath {
  if (path.includes("\0")) return { ok: false, reason: "path contains a NUL character" };
  if (path.startsWith("/")) return { ok: false, reason: "absolute path" };
  if (path.includes("\\")) return { ok: false, reason: "path contains a backslash" };
  let body = path;
  if (path.endsWith("/")) {
    if (!directory) return { ok: false, reason: "file path ends with '/'" };
    body = path.slice(0, -1);
  }
  const segments = body.split("/");
  // Report '..' before anything else: it is the one that matters most.
  if (segments.includes("..")) return { ok: false, reason: "path contains a '..' segment" };
  for (const segment of segments) {
    const problem = segmentProblem(segment);
    if (problem) return { ok: false, reason: problem };
  }
  if (segments[0] !== VOLUMES_DIR || segments.length < 2) {
    return { ok: false, reason: `entry is outside ${VOLUMES_DIR}/<index>/` };
  }
  const index = segments[1] ?? "";
  if (!INDEX.test(index)) return { ok: false, reason: `volume index '${index}' is not a decimal integer` };
  if (segments.length === 2 && !directory) return { ok: false, reason: "a volume root must be a directory" };
  return { ok: true, volumeIndex: Number(index), relativePath: segments.slice(2).join("/"), segments: segments.length };
}
