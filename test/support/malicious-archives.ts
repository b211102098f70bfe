// The adversarial corpus: malicious or malformed snapshot archives, each generated here from
// raw bytes (test/support/archive-builder.ts shares no code with the archive module), with
// the reason the strict reader / extractor must give for refusing it. Used by the extractor
// unit test (nothing may be left outside or inside the staging dirs) and by the restore/import
// integration test (nothing stored, live data untouched).
//
// Most archives first carry a valid "prelude" (two volume roots, small files and a 512 KiB
// incompressible file) so that the extractor has really written files by the time it meets
// the bad part, and must remove them. Paths that try to escape aim at `<staging>/../../outside`
// (a sibling marker area in the unit test) or at ESCAPE_DIR; links aim at those, at `..`, at
// host paths such as /etc, or at the test's trap dir (BuildContext.trapDir), an existing
// empty directory outside staging that must stay empty.
//
// Archives with links, owners, special bits or sparse files carry a version 2 manifest (v1
// archives hold regular files and directories only). LINK_ARCHIVES lists the link archives
// that are valid and must be accepted, each with what it must create.
import { gzipSync } from "node:zlib";
import {
  BLOCK,
  concat,
  dir,
  END,
  file,
  flipByte,
  gnuLong,
  gzip,
  hardlink,
  header,
  manifestObject,
  manifestRecord,
  pax,
  paxLine,
  record,
  snapshotTar,
  sparseFile,
  type SparseSpec,
  symlink,
  truncate,
} from "./archive-builder";

export const CORPUS_CLASSES = [
  "absolute-path",
  "dotdot",
  "backslash",
  "control-char",
  "invalid-utf8",
  "path-alias",
  "outside-volumes",
  "index-out-of-bounds",
  "symlink",
  "under-symlink",
  "hardlink",
  "link-target",
  "pax-link",
  "sparse",
  "device",
  "fifo",
  "unsupported-type",
  "global-pax",
  "oversize-extended",
  "duplicate",
  "file-dir-clash",
  "unicode-twin",
  "bad-checksum",
  "truncated-gzip",
  "corrupt-gzip",
  "truncated-tar",
  "trailing-data",
  "decompression-ratio",
  "total-bytes",
  "entry-count",
  "path-depth",
  "path-length",
  "name-too-long",
  "size-mismatch",
  "manifest",
  "not-gzip",
] as const;
export type CorpusClass = (typeof CORPUS_CLASSES)[number];

/** Limits a case needs that are tighter than the defaults (a 1 TiB or 5M-entry archive is not built in a test). */
export interface CorpusLimits {
  maxTotalBytes?: number;
  maxEntries?: number;
  maxDecompressionRatio?: number;
  decompressionAllowanceBytes?: number;
}

/** What a test gives a case's build(). */
export interface BuildContext {
  /** An existing, empty directory outside every staging dir (absolute): it must stay empty. */
  trapDir: string;
}

export interface MaliciousArchive {
  name: string;
  class: CorpusClass;
  build: (ctx: BuildContext) => Buffer;
  expectedError: RegExp;
  limits?: CorpusLimits;
  /** When an import refuses it before the reader runs, with its own reason. */
  importError?: RegExp;
  /**
   * The archive starts with the prelude's valid files and fails after the first of them, so
   * an extractor has written file data before it learns the archive is bad.
   */
  failsAfterData: boolean;
}

/** Absolute paths in the corpus point here; a test asserts it never comes into existence. */
export const ESCAPE_DIR = "/tmp/berth-corpus-escape";
/** The manifest's volumes (as the workload in the integration test has them). */
export const CORPUS_TARGETS = ["/data0", "/data1"] as const;

const v0 = (p: string) => `volumes/0/${p}`;
const v1 = (p: string) => `volumes/1/${p}`;

/** Deterministic incompressible bytes (xorshift32). */
export function noise(length: number, seed = 0x9e3779b9): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

const BLOB = 512 * 1024;
let blob: Buffer | undefined;
const prelude = () => {
  blob ??= noise(BLOB);
  return [
    dir(v0("")),
    file(v0("ok.txt"), "fine\n"),
    dir(v0("sub/")),
    file(v0("sub/blob.bin"), blob),
    dir(v1("")),
    file(v1("other.txt"), "other\n"),
  ];
};
/** Data bytes in the prelude's files. */
export const PRELUDE_BYTES = 5 + BLOB + 6;
/** The first entry after the prelude (the manifest is entry 1). */
const NEXT = 8;

const smallPrelude = () => [dir(v0("")), file(v0("ok.txt"), "fine\n"), dir(v1(""))];

/** gzip(manifest + prelude + parts + end marker); the manifest's counts match the headers. */
const afterPrelude = (parts: Buffer[], options: Parameters<typeof snapshotTar>[1] = {}) =>
  gzip(snapshotTar([...prelude(), ...parts], options));
const tarAfterPrelude = (parts: Buffer[], options: Parameters<typeof snapshotTar>[1] = {}) =>
  snapshotTar([...prelude(), ...parts], options);
/** The same with a version 2 manifest: links, owners, special bits and sparse files are allowed. */
const afterPrelude2 = (parts: Buffer[]) => afterPrelude(parts, { version: 2 });

/** A copy of a record with its 8-byte checksum field overwritten. */
const withChecksumField = (block: Buffer, field: string) => {
  const copy = Buffer.from(block);
  copy.write(field, 148, 8, "latin1");
  return copy;
};

const NFC = "caf\u00e9";
const NFD = "cafe\u0301";

// A complete, valid header for a file that escapes, to hide inside another entry's data.
const smuggled = () => header({ name: v0("../../outside/smuggled"), size: 0 });

let zerosMember: Buffer | undefined;
/** A valid small archive followed by 128 gzip members of 1 MiB of zeros each (~1 KiB each compressed). */
function zipBomb(): Buffer {
  zerosMember ??= gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
  return concat(gzip(snapshotTar(smallPrelude())), ...Array.from({ length: 128 }, () => zerosMember!));
}

const deepPath = (segments: number) => v0(Array.from({ length: segments - 2 }, (_, i) => `d${i}`).join("/"));

const e = (n: number) => `entry ${n}`;
const at = (n: number, p: string) => new RegExp(`${e(n)} '${p.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}': `);
const r = (prefix: RegExp, reason: string) => new RegExp(prefix.source + reason);
const q = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

type Case = Omit<MaliciousArchive, "failsAfterData"> & { failsAfterData?: boolean };

// `p(...)`: fails after the prelude's first files were handed out; `n(...)`: fails before.
const p = (c: Omit<Case, "failsAfterData">): Case => ({ ...c, failsAfterData: true });
const n = (c: Omit<Case, "failsAfterData">): Case => ({ ...c, failsAfterData: false });

const cases: Case[] = [
  // ── absolute paths ──
  p({
    name: "absolute path in the name field",
    class: "absolute-path",
    build: () => afterPrelude([file(`${ESCAPE_DIR}/abs.txt`, "pwned")]),
    expectedError: r(at(NEXT, `${ESCAPE_DIR}/abs.txt`), "absolute path"),
  }),
  p({
    name: "absolute directory",
    class: "absolute-path",
    build: () => afterPrelude([dir(`${ESCAPE_DIR}/`)]),
    expectedError: /absolute path/,
  }),
  p({
    name: "absolute path via a pax path",
    class: "absolute-path",
    build: () => afterPrelude([pax({ path: `${ESCAPE_DIR}/pax.txt` }), file(v0("placeholder"), "pwned")]),
    expectedError: r(at(NEXT, `${ESCAPE_DIR}/pax.txt`), "absolute path"),
  }),
  p({
    name: "absolute path via a GNU long name",
    class: "absolute-path",
    build: () => afterPrelude([gnuLong(`${ESCAPE_DIR}/${"l".repeat(120)}`), file(v0("short"), "pwned")]),
    expectedError: /absolute path/,
  }),
  p({
    name: "absolute path through the ustar prefix",
    class: "absolute-path",
    build: () => afterPrelude([file("pwned.txt", "pwned", { prefix: ESCAPE_DIR })]),
    expectedError: r(at(NEXT, `${ESCAPE_DIR}/pwned.txt`), "absolute path"),
  }),

  // ── '..' segments ──
  p({
    name: "'..' escaping the staging dir",
    class: "dotdot",
    build: () => afterPrelude([file(v0("../../outside/pwned"), "pwned")]),
    expectedError: r(at(NEXT, v0("../../outside/pwned")), "path contains a '\\.\\.' segment"),
  }),
  p({
    name: "'..' after a real directory",
    class: "dotdot",
    build: () => afterPrelude([file(v0("sub/../../../outside/pwned"), "pwned")]),
    expectedError: /path contains a '\.\.' segment/,
  }),
  p({
    name: "'..' directory entry",
    class: "dotdot",
    build: () => afterPrelude([dir(v0("../../outside/"))]),
    expectedError: /path contains a '\.\.' segment/,
  }),
  p({
    name: "'..' as the whole relative path",
    class: "dotdot",
    build: () => afterPrelude([dir(v0(".."))]),
    expectedError: /path contains a '\.\.' segment/,
  }),
  p({
    name: "'..' via a pax path",
    class: "dotdot",
    build: () => afterPrelude([pax({ path: v0("../../outside/pax") }), file(v0("placeholder"), "pwned")]),
    expectedError: r(at(NEXT, v0("../../outside/pax")), "path contains a '\\.\\.' segment"),
  }),
  p({
    name: "'..' via a GNU long name",
    class: "dotdot",
    build: () => afterPrelude([gnuLong(v0(`${"d".repeat(100)}/../../../outside/long`)), file(v0("short"), "pwned")]),
    expectedError: /path contains a '\.\.' segment/,
  }),
  p({
    name: "'..' in the ustar prefix",
    class: "dotdot",
    build: () => afterPrelude([file("pwned", "pwned", { prefix: v0("../../outside") })]),
    expectedError: r(at(NEXT, v0("../../outside/pwned")), "path contains a '\\.\\.' segment"),
  }),
  p({
    name: "'..' before the volume index",
    class: "dotdot",
    build: () => afterPrelude([file("volumes/../volumes/0/x", "pwned")]),
    expectedError: /path contains a '\.\.' segment/,
  }),

  // ── backslashes ──
  p({
    name: "backslash separators escaping",
    class: "backslash",
    build: () => afterPrelude([file(v0("..\\..\\outside\\pwned"), "pwned")]),
    expectedError: /path contains a backslash/,
  }),
  p({
    name: "backslash inside a name",
    class: "backslash",
    build: () => afterPrelude([file(v0("sub\\evil.txt"), "pwned")]),
    expectedError: r(at(NEXT, v0("sub\\evil.txt")), "path contains a backslash"),
  }),
  p({
    name: "backslash via a pax path",
    class: "backslash",
    build: () => afterPrelude([pax({ path: v0("a\\b") }), file(v0("placeholder"), "pwned")]),
    expectedError: /path contains a backslash/,
  }),

  // ── NUL and control characters ──
  p({
    name: "NUL in the name field hiding '../'",
    class: "control-char",
    build: () => afterPrelude([file(Buffer.from(`${v0("ok2")}\0/../../outside/x`), "pwned")]),
    expectedError: r(new RegExp(`${e(NEXT)} `), ".*path contains a NUL character"),
  }),
  p({
    name: "NUL in a pax path",
    class: "control-char",
    build: () => afterPrelude([pax({ path: `${v0("a")}\0/../../outside/x` }), file(v0("placeholder"), "pwned")]),
    expectedError: /path contains a NUL character/,
  }),
  p({
    name: "NUL in a GNU long name",
    class: "control-char",
    build: () => afterPrelude([gnuLong(`${v0("a")}\0../../outside/x`), file(v0("short"), "pwned")]),
    expectedError: /path contains a NUL character/,
  }),
  p({
    name: "newline in a name",
    class: "control-char",
    build: () => afterPrelude([file(v0("a\nb"), "x")]),
    expectedError: r(at(NEXT, v0("a\\x0ab")), "path contains a control character"),
  }),
  p({
    name: "terminal escape sequence in a name",
    class: "control-char",
    build: () => afterPrelude([file(v0("\u001b[31mred"), "x")]),
    expectedError: /path contains a control character/,
  }),
  p({
    name: "C1 control (U+0085) in a name",
    class: "control-char",
    build: () => afterPrelude([file(v0("next\u0085line"), "x")]),
    expectedError: /path contains a control character/,
  }),
  p({
    name: "DEL in a directory name",
    class: "control-char",
    build: () => afterPrelude([dir(v0("del\u007f/"))]),
    expectedError: /path contains a control character/,
  }),

  // ── encoding ──
  p({
    name: "invalid UTF-8 in the name field",
    class: "invalid-utf8",
    build: () => afterPrelude([file(Buffer.concat([Buffer.from(v0("")), Buffer.from([0xff, 0xfe, 0x41])]), "x")]),
    expectedError: /path is not valid UTF-8/,
  }),
  p({
    name: "invalid UTF-8 in a pax path",
    class: "invalid-utf8",
    build: () =>
      afterPrelude([
        pax(Buffer.concat([Buffer.from("21 path=volumes/0/"), Buffer.from([0xc3, 0x28]), Buffer.from("\n")])),
        file(v0("placeholder"), "x"),
      ]),
    expectedError: /pax record is not valid UTF-8/,
  }),
  p({
    name: "overlong UTF-8 encoding of '/' in a name",
    class: "invalid-utf8",
    build: () => afterPrelude([file(Buffer.concat([Buffer.from(v0("..")), Buffer.from([0xc0, 0xaf]), Buffer.from("x")]), "x")]),
    expectedError: /path is not valid UTF-8/,
  }),

  // ── aliases of a path ──
  p({
    name: "'.' segment",
    class: "path-alias",
    build: () => afterPrelude([file(v0("./ok2.txt"), "x")]),
    expectedError: /path contains a '\.' segment/,
  }),
  p({
    name: "leading './'",
    class: "path-alias",
    build: () => afterPrelude([file("./volumes/0/x", "x")]),
    expectedError: /path contains a '\.' segment/,
  }),
  p({
    name: "leading './' aliasing an earlier path",
    class: "path-alias",
    build: () => afterPrelude2([file("./volumes/0/ok.txt", "overwrite")]),
    expectedError: /path contains a '\.' segment|duplicate path/,
  }),
  p({
    name: "empty segment",
    class: "path-alias",
    build: () => afterPrelude([file(v0("sub//x"), "x")]),
    expectedError: /path has an empty segment/,
  }),
  p({
    name: "file path ending in '/'",
    class: "path-alias",
    build: () => afterPrelude([file(v0("trail/"), "data")]),
    expectedError: /file path ends with '\/'/,
  }),

  // ── outside volumes/<index>/ ──
  p({
    name: "top-level file",
    class: "outside-volumes",
    build: () => afterPrelude([file("outside.txt", "x")]),
    expectedError: r(at(NEXT, "outside.txt"), "entry is outside volumes/<index>/"),
  }),
  p({
    name: "file under another top-level dir",
    class: "outside-volumes",
    build: () => afterPrelude([file("data/0/x", "x")]),
    expectedError: /entry is outside volumes\/<index>\//,
  }),
  p({
    name: "a second manifest",
    class: "outside-volumes",
    build: () => afterPrelude([manifestRecord(manifestObject())]),
    expectedError: r(at(NEXT, "berth-manifest.json"), "entry is outside volumes/<index>/"),
  }),
  p({
    name: "file named 'volumes'",
    class: "outside-volumes",
    build: () => afterPrelude([file("volumes", "x")]),
    expectedError: /entry is outside volumes\/<index>\//,
  }),
  p({
    name: "symlink named 'volumes'",
    class: "outside-volumes",
    build: ({ trapDir }) => afterPrelude2([symlink("volumes", trapDir)]),
    expectedError: /entry is outside volumes\/<index>\//,
  }),
  p({
    name: "lookalike top-level dir 'volumesX/'",
    class: "outside-volumes",
    build: () => afterPrelude([file("volumesX/0/a", "x")]),
    expectedError: /entry is outside volumes\/<index>\//,
  }),
  p({
    name: "file as a volume root",
    class: "outside-volumes",
    build: () => afterPrelude([file("volumes/0", "x")]),
    expectedError: /a volume root must be a directory/,
  }),
  p({
    name: "non-numeric volume index",
    class: "outside-volumes",
    build: () => afterPrelude([file("volumes/x/a", "x")]),
    expectedError: /volume index 'x' is not a decimal integer/,
  }),
  p({
    name: "volume index with a leading zero",
    class: "outside-volumes",
    build: () => afterPrelude([file("volumes/00/a", "x")]),
    expectedError: /volume index '00' is not a decimal integer/,
  }),

  // ── <index> outside the manifest's bounds ──
  p({
    name: "index one past the manifest's volumes",
    class: "index-out-of-bounds",
    build: () => afterPrelude([file("volumes/2/x", "x")]),
    expectedError: r(at(NEXT, "volumes/2/x"), "volume index 2 is not in the manifest"),
  }),
  p({
    name: "directory at the largest index a manifest may have",
    class: "index-out-of-bounds",
    build: () => afterPrelude([dir("volumes/63/")]),
    expectedError: /volume index 63 is not in the manifest/,
  }),
  p({
    name: "six-digit index",
    class: "index-out-of-bounds",
    build: () => afterPrelude([file("volumes/999999/x", "x")]),
    expectedError: /volume index 999999 is not in the manifest/,
  }),
  n({
    name: "manifest without volumes, data for volume 0",
    class: "index-out-of-bounds",
    build: () => gzip(snapshotTar([dir(v0("")), file(v0("x"), "x")], { manifest: { volumes: [] } })),
    expectedError: r(at(2, v0("")), "volume index 0 is not in the manifest"),
  }),
  n({
    name: "index in a gap between the manifest's volumes",
    class: "index-out-of-bounds",
    build: () =>
      gzip(
        snapshotTar([dir(v0("")), dir(v1(""))], {
          manifest: {
            volumes: [0, 2].map((index) => ({
              index,
              target: CORPUS_TARGETS[index === 0 ? 0 : 1],
              scope: "stage",
              source: `s${index}`,
              files: 0,
              bytes: 0,
            })),
          },
        }),
      ),
    expectedError: r(at(3, v1("")), "volume index 1 is not in the manifest"),
  }),

  // ── links (v1 archives: none are allowed; see also LINK_CASES for v2) ──
  p({
    name: "pax linkpath on a regular file",
    class: "symlink",
    build: () => afterPrelude([pax({ linkpath: "/etc/passwd" }), file(v0("placeholder"), "x")]),
    expectedError: /unsupported pax key "linkpath"|link target set on a non-link entry/,
  }),
  p({
    name: "link target on a directory",
    class: "symlink",
    build: () => afterPrelude([dir(v0("d/"), { linkname: "../../outside" })]),
    expectedError: /link target set on a non-link entry/,
  }),
  p({
    name: "GNU long-link record",
    class: "hardlink",
    build: () => afterPrelude([gnuLong("/etc/shadow", "K"), file(v0("x"), "x")]),
    expectedError: /GNU long-link records are not allowed|link target set on a non-link entry/,
  }),
  p({
    name: "link target on a regular file",
    class: "hardlink",
    build: () => afterPrelude([file(v0("x"), "x", { linkname: "/etc/shadow" })]),
    expectedError: /link target set on a non-link entry/,
  }),

  // ── special files ──
  p({
    name: "character device",
    class: "device",
    build: () => afterPrelude([record({ name: v0("null"), type: "3" })]),
    expectedError: r(at(NEXT, v0("null")), "character devices are not allowed"),
  }),
  p({
    name: "block device",
    class: "device",
    build: () => afterPrelude([record({ name: v0("sda"), type: "4" })]),
    expectedError: /block devices are not allowed/,
  }),
  p({
    name: "FIFO",
    class: "fifo",
    build: () => afterPrelude([record({ name: v0("pipe"), type: "6" })]),
    expectedError: r(at(NEXT, v0("pipe")), "FIFOs are not allowed"),
  }),
  p({
    name: "FIFO in volume 1",
    class: "fifo",
    build: () => afterPrelude([record({ name: v1("pipe"), type: "6" })]),
    expectedError: /FIFOs are not allowed/,
  }),

  // ── sparse, unknown and ignored types ──
  p({
    name: "GNU sparse file",
    class: "unsupported-type",
    build: () => afterPrelude([record({ name: v0("sparse"), type: "S" }, "x")]),
    expectedError: /sparse files (are not allowed|in GNU tar's old format are not supported)/,
  }),
  p({
    name: "pax 1.0 sparse keys",
    class: "unsupported-type",
    build: () => afterPrelude([pax({ "GNU.sparse.major": "1", "GNU.sparse.minor": "0" }), file(v0("sparse"), "x")]),
    expectedError: /sparse/,
  }),
  p({
    name: "unknown type 'Z'",
    class: "unsupported-type",
    build: () => afterPrelude([record({ name: v0("z"), type: "Z" }, "x")]),
    expectedError: /unsupported entry type "Z"/,
  }),
  p({
    name: "contiguous file",
    class: "unsupported-type",
    build: () => afterPrelude([record({ name: v0("c"), type: "7" }, "x")]),
    expectedError: /contiguous files are not allowed/,
  }),
  p({
    name: "old-style regular file (NUL type)",
    class: "unsupported-type",
    build: () => afterPrelude([record({ name: v0("old"), type: "\0" }, "x")]),
    expectedError: /unsupported entry type "\\u0000"/,
  }),
  p({
    name: "GNU dumpdir",
    class: "unsupported-type",
    build: () => afterPrelude([record({ name: v0("dump/"), type: "D" })]),
    expectedError: /unsupported entry type "D"/,
  }),
  p({
    name: "GNU volume label",
    class: "unsupported-type",
    build: () => afterPrelude([record({ name: "label", type: "V" })]),
    expectedError: /unsupported entry type "V"/,
  }),
  p({
    name: "GNU multi-volume continuation",
    class: "unsupported-type",
    build: () => afterPrelude([record({ name: v0("cont"), type: "M" }, "x")]),
    expectedError: /unsupported entry type "M"/,
  }),
  p({
    name: "Solaris extended header 'X'",
    class: "unsupported-type",
    build: () => afterPrelude([record({ name: v0("x"), type: "X" }, "10 a=bcde\n")]),
    expectedError: /unsupported entry type "X"/,
  }),
  p({
    name: "pax xattr granting file capabilities",
    class: "unsupported-type",
    build: () => afterPrelude([pax({ "SCHILY.xattr.security.capability": "AQAAAgAgAAAAAAAAAAAAAAAAAAA=" }), file(v0("tool"), "x")]),
    expectedError: /unsupported pax key "SCHILY\.xattr\.security\.capability"/,
  }),
  p({
    name: "v7 header without the ustar magic",
    class: "unsupported-type",
    build: () => afterPrelude([file(v0("v7"), "x", { magic: "\0\0\0\0\0\0\0\0" })]),
    expectedError: /not a POSIX ustar header/,
  }),

  // ── global pax headers ──
  p({
    name: "global pax header setting the path",
    class: "global-pax",
    build: () => afterPrelude([pax({ path: v0("../../outside/g") }, "g"), file(v0("y"), "x")]),
    expectedError: /global pax headers are not allowed/,
  }),
  p({
    name: "global pax header setting the size",
    class: "global-pax",
    build: () => afterPrelude([pax({ size: "0" }, "g"), file(v0("y"), concat(smuggled(), Buffer.alloc(BLOCK)))]),
    expectedError: /global pax headers are not allowed/,
  }),
  n({
    name: "global pax header before the manifest",
    class: "global-pax",
    build: () => gzip(concat(pax({ mtime: "1" }, "g"), snapshotTar([dir(v0(""))]))),
    expectedError: /entry 1 .*first entry must be berth-manifest\.json/,
  }),
  p({
    name: "global pax header setting only mode and mtime",
    class: "global-pax",
    build: () => afterPrelude([pax({ mtime: "0", uid: "0" }, "g"), file(v0("y"), "x")]),
    expectedError: /global pax headers are not allowed/,
  }),

  // ── oversize extended records ──
  p({
    name: "pax header over 64 KiB",
    class: "oversize-extended",
    build: () => afterPrelude([pax({ path: v0("a".repeat(70_000)) }), file(v0("x"), "x")]),
    expectedError: /pax header too large \(700\d\d bytes\)/,
  }),
  p({
    name: "GNU long name over 64 KiB",
    class: "oversize-extended",
    build: () => afterPrelude([gnuLong(v0("a".repeat(70_000))), file(v0("x"), "x")]),
    expectedError: /GNU long-name record too large/,
  }),
  p({
    name: "pax header declaring 8 GiB",
    class: "oversize-extended",
    build: () => afterPrelude([header({ name: "PaxHeader/x", type: "x", size: 0o77777777777 })], { end: false }),
    expectedError: /pax header too large \(8589934591 bytes\)/,
  }),

  // ── duplicates, clashes, Unicode-normalization twins ──
  p({
    name: "duplicate file",
    class: "duplicate",
    build: () => afterPrelude([file(v0("ok.txt"), "overwrite")]),
    expectedError: r(at(NEXT, v0("ok.txt")), "duplicate path"),
  }),
  p({ name: "duplicate directory", class: "duplicate", build: () => afterPrelude([dir(v0("sub/"))]), expectedError: /duplicate path/ }),
  p({
    name: "directory again without its trailing slash",
    class: "duplicate",
    build: () => afterPrelude([dir(v0("sub"))]),
    expectedError: /duplicate path/,
  }),
  p({
    name: "same file via a pax path",
    class: "duplicate",
    build: () => afterPrelude([pax({ path: v0("ok.txt") }), file(v0("placeholder"), "overwrite")]),
    expectedError: r(at(NEXT, v0("ok.txt")), "duplicate path"),
  }),
  p({ name: "duplicate volume root", class: "duplicate", build: () => afterPrelude([dir("volumes/1")]), expectedError: /duplicate path/ }),
  p({
    name: "file at an existing directory's path",
    class: "file-dir-clash",
    build: () => afterPrelude([file(v0("sub"), "x")]),
    expectedError: /file\/directory clash with an earlier entry/,
  }),
  p({
    name: "directory at an existing file's path",
    class: "file-dir-clash",
    build: () => afterPrelude([dir(v0("ok.txt/"))]),
    expectedError: /file\/directory clash with an earlier entry/,
  }),
  p({
    name: "entry under an existing file",
    class: "file-dir-clash",
    build: () => afterPrelude([file(v0("ok.txt/evil"), "x")]),
    expectedError: r(at(NEXT, v0("ok.txt/evil")), `file/directory clash: '${q(v0("ok.txt"))}' is a file`),
  }),
  p({
    name: "file where earlier entries implied a directory",
    class: "file-dir-clash",
    build: () => afterPrelude([file(v0("implied/a"), "x"), file(v0("implied"), "x")]),
    expectedError: /file\/directory clash: earlier entries are inside it/,
  }),
  p({
    name: "NFC then NFD file names",
    class: "unicode-twin",
    build: () => afterPrelude([file(v0(`${NFC}.txt`), "1"), file(v0(`${NFD}.txt`), "2")]),
    expectedError: new RegExp(`Unicode normalization twin of '${q(v0(`${NFC}.txt`))}'`),
  }),
  p({
    name: "NFD then NFC directory names",
    class: "unicode-twin",
    build: () => afterPrelude([file(v0(`${NFD}/a`), "1"), file(v0(`${NFC}/b`), "2")]),
    expectedError: /Unicode normalization twin/,
  }),
  p({
    name: "twin via a pax path",
    class: "unicode-twin",
    build: () => afterPrelude([file(v0(`${NFC}`), "1"), pax({ path: v0(NFD) }), file(v0("placeholder"), "2")]),
    expectedError: /Unicode normalization twin/,
  }),
  p({
    name: "ANGSTROM SIGN vs A WITH RING",
    class: "unicode-twin",
    build: () => afterPrelude([dir(v0("\u00c5/")), dir(v0("\u212b/"))]),
    expectedError: /Unicode normalization twin/,
  }),

  // ── header checksums ──
  p({
    name: "data header checksum off by one",
    class: "bad-checksum",
    build: () => afterPrelude([file(v0("x"), "x", { checksum: "invalid" })]),
    expectedError: new RegExp(`${e(NEXT)}: bad header checksum`),
  }),
  n({
    name: "manifest header checksum off by one",
    class: "bad-checksum",
    build: () => gzip(concat(record({ name: "berth-manifest.json", checksum: "invalid" }, JSON.stringify(manifestObject())), END)),
    expectedError: /entry 1: bad header checksum/,
  }),
  p({
    name: "checksum field not octal",
    class: "bad-checksum",
    build: () => afterPrelude([withChecksumField(file(v0("x"), "x"), "zzzzzz\0 ")]),
    expectedError: /bad header checksum/,
  }),
  p({
    name: "checksum summed over signed bytes",
    class: "bad-checksum",
    build: () => afterPrelude([file(v0("\u00e9t\u00e9.txt"), "x", { checksum: "signed" })]),
    expectedError: /bad header checksum/,
  }),

  // ── truncation ──
  p({
    name: "gzip cut in the middle",
    class: "truncated-gzip",
    build: () => {
      const g = afterPrelude([file(v0("tail.txt"), "tail")]);
      return truncate(g, Math.floor(g.length * 0.7));
    },
    expectedError: /truncated gzip stream/,
  }),
  p({
    name: "gzip cut inside its trailer",
    class: "truncated-gzip",
    build: () => {
      const g = afterPrelude([]);
      return truncate(g, g.length - 3);
    },
    expectedError: /truncated gzip stream/,
  }),
  n({
    name: "gzip header only",
    class: "truncated-gzip",
    build: () => truncate(afterPrelude([]), 10),
    expectedError: /truncated gzip stream/,
  }),
  p({ name: "gzip CRC mismatch", class: "corrupt-gzip", build: () => flipByte(afterPrelude([]), -6), expectedError: /gzip CRC mismatch/ }),
  p({
    name: "gzip length mismatch",
    class: "corrupt-gzip",
    build: () => flipByte(afterPrelude([]), -2),
    expectedError: /gzip length mismatch/,
  }),
  p({
    name: "tar cut inside file data",
    class: "truncated-tar",
    build: () => {
      const t = tarAfterPrelude([], { end: false });
      return gzip(truncate(t, t.length - 200_000));
    },
    expectedError: /truncated data \(\d+ of 524288 bytes missing\)/,
  }),
  p({
    name: "tar cut inside a header",
    class: "truncated-tar",
    build: () => gzip(truncate(tarAfterPrelude([file(v0("tail"), "x")]), tarAfterPrelude([]).length - END.length + 200)),
    expectedError: /truncated tar header/,
  }),
  p({
    name: "tar cut in a file's padding",
    class: "truncated-tar",
    build: () => gzip(truncate(tarAfterPrelude([file(v0("tail"), "x")]), tarAfterPrelude([]).length - END.length + BLOCK + 100)),
    expectedError: /truncated data \(in the padding\)/,
  }),
  p({
    name: "tar cut inside a pax record",
    class: "truncated-tar",
    build: () =>
      gzip(
        truncate(
          tarAfterPrelude([pax({ path: v0("p".repeat(300)) })], { end: false }),
          tarAfterPrelude([]).length - END.length + BLOCK + 100,
        ),
      ),
    expectedError: /truncated pax header/,
  }),
  n({
    name: "tar cut inside the manifest",
    class: "truncated-tar",
    build: () => gzip(truncate(snapshotTar([dir(v0(""))]), BLOCK + 50)),
    expectedError: /truncated manifest/,
  }),
  p({
    name: "no end-of-archive marker",
    class: "truncated-tar",
    build: () => afterPrelude([], { end: false }),
    expectedError: /truncated archive: no end-of-archive marker/,
  }),
  p({
    name: "only one zero block at the end",
    class: "truncated-tar",
    build: () => gzip(concat(tarAfterPrelude([], { end: false }), Buffer.alloc(BLOCK))),
    expectedError: /no end-of-archive marker/,
  }),

  // ── bytes after the end ──
  p({
    name: "garbage after the end-of-archive marker",
    class: "trailing-data",
    build: () => gzip(concat(tarAfterPrelude([]), "hidden payload")),
    expectedError: /trailing data after the end-of-archive marker/,
  }),
  p({
    name: "a second archive after the end-of-archive marker",
    class: "trailing-data",
    build: () => gzip(concat(tarAfterPrelude([]), file(v0("../../outside/second"), "pwned"), END)),
    expectedError: /trailing data after the end-of-archive marker/,
  }),
  p({
    name: "a second archive as another gzip member",
    class: "trailing-data",
    build: () => concat(afterPrelude([]), gzip(concat(file(v0("../../outside/second"), "pwned"), END))),
    expectedError: /trailing data after the end-of-archive marker/,
  }),
  p({
    name: "garbage after the gzip stream",
    class: "trailing-data",
    build: () => concat(afterPrelude([]), "garbage"),
    expectedError: /trailing data after/,
  }),
  p({
    name: "zero bytes after the gzip stream",
    class: "trailing-data",
    build: () => concat(afterPrelude([]), Buffer.alloc(16)),
    expectedError: /trailing data after the gzip stream/,
  }),
  p({
    name: "lone zero block, then more entries",
    class: "trailing-data",
    build: () => afterPrelude([Buffer.alloc(BLOCK), file(v0("../../outside/hidden"), "pwned")]),
    expectedError: /zero block in the middle of the archive/,
  }),

  // ── caps ──
  p({
    name: "zip bomb: 128 MiB of zeros in ~130 KiB (default limits)",
    class: "decompression-ratio",
    build: zipBomb,
    expectedError: /decompression ratio exceeds 200:1 \(possible zip bomb\)/,
  }),
  p({
    name: "zeros over a tightened ratio cap",
    class: "decompression-ratio",
    build: () => concat(afterPrelude([]), gzipSync(Buffer.alloc(8 * 1024 * 1024), { level: 9 })),
    limits: { maxDecompressionRatio: 2, decompressionAllowanceBytes: 0 },
    expectedError: /decompression ratio exceeds 2:1/,
  }),
  p({
    name: "total bytes over the cap",
    class: "total-bytes",
    build: () => afterPrelude([]),
    limits: { maxTotalBytes: 256 * 1024 },
    expectedError: /archive exceeds the limit of 262144 uncompressed bytes/,
  }),
  p({
    name: "entry count over the cap",
    class: "entry-count",
    build: () => afterPrelude(Array.from({ length: 30 }, (_, i) => dir(v0(`many/${i}/`)))),
    limits: { maxEntries: 20 },
    expectedError: /entry 21 'volumes\/0\/many\/\d+\/': too many entries \(limit 20\)/,
  }),
  p({
    name: "path depth 65 (default cap 64)",
    class: "path-depth",
    build: () => afterPrelude([pax({ path: deepPath(65) }), file(v0("placeholder"), "x")]),
    expectedError: /path is too deep \(limit 64 segments\)/,
  }),
  p({
    name: "directory depth 100",
    class: "path-depth",
    build: () => afterPrelude([gnuLong(`${deepPath(100)}/`), dir(v0("placeholder/"))]),
    expectedError: /path is too deep \(limit 64 segments\)/,
  }),
  p({
    name: "path of 4097 bytes (default cap 4096)",
    class: "path-length",
    build: () => afterPrelude([pax({ path: v0(`${"a".repeat(200)}/`.repeat(21).slice(0, 4097 - 10)) }), file(v0("placeholder"), "x")]),
    expectedError: /path is too long \(limit 4096 bytes\)/,
  }),
  p({
    name: "file name of 256 bytes",
    class: "name-too-long",
    build: () => afterPrelude([pax({ path: v0("n".repeat(256)) }), file(v0("placeholder"), "x")]),
    expectedError: /name is longer than 255 bytes/,
  }),
  p({
    name: "directory name of 300 bytes (UTF-8)",
    class: "name-too-long",
    build: () => afterPrelude([pax({ path: v0(`${"ж".repeat(150)}/`) }), dir(v0("placeholder/"))]),
    expectedError: /name is longer than 255 bytes/,
  }),

  // ── data length vs header ──
  p({
    name: "header size larger than the data",
    class: "size-mismatch",
    build: () => afterPrelude([file(v0("short.txt"), "abc", { size: 4096 })]),
    expectedError: r(at(NEXT, v0("short.txt")), "truncated data"),
  }),
  p({
    name: "header size smaller than the data",
    class: "size-mismatch",
    build: () => afterPrelude([file(v0("long.txt"), "x".repeat(1000), { size: 10 })]),
    expectedError: new RegExp(`${e(NEXT + 1)}: bad header checksum`),
  }),
  p({
    name: "size 0 hiding a smuggled header in the data",
    class: "size-mismatch",
    build: () => afterPrelude([file(v0("cover.txt"), concat(smuggled(), Buffer.alloc(BLOCK)), { size: 0 })]),
    expectedError: r(at(NEXT + 1, v0("../../outside/smuggled")), "path contains a '\\.\\.' segment"),
  }),
  p({
    name: "pax size 0 hiding a smuggled header in the data",
    class: "size-mismatch",
    build: () => afterPrelude([pax({ size: "0" }), file(v0("cover.txt"), concat(smuggled(), Buffer.alloc(BLOCK)))]),
    expectedError: /'volumes\/0\/\.\.\/\.\.\/outside\/smuggled': path contains a '\.\.' segment/,
  }),
  p({
    name: "pax size larger than the header's",
    class: "size-mismatch",
    build: () => afterPrelude([pax({ size: "100000" }), file(v0("grow.txt"), "abc")]),
    expectedError: /volume 0 holds more than its manifest declares/,
  }),

  // ── manifest ──
  n({
    name: "no manifest: first entry is data",
    class: "manifest",
    build: () => gzip(concat(...prelude(), END)),
    expectedError: /entry 1 'volumes\/0\/': first entry must be berth-manifest\.json/,
  }),
  n({
    name: "manifest not first",
    class: "manifest",
    build: () => gzip(concat(dir(v0("")), manifestRecord(manifestObject()), END)),
    expectedError: /first entry must be berth-manifest\.json/,
  }),
  n({
    name: "manifest as a directory",
    class: "manifest",
    build: () => gzip(concat(record({ name: "berth-manifest.json", type: "5" }), END)),
    expectedError: /first entry must be berth-manifest\.json/,
  }),
  n({
    name: "manifest name with a ustar prefix",
    class: "manifest",
    build: () => gzip(concat(file("berth-manifest.json", JSON.stringify(manifestObject()), { prefix: "volumes/0" }), END)),
    expectedError: /first entry must be berth-manifest\.json/,
  }),
  n({
    name: "empty tar",
    class: "manifest",
    build: () => gzip(END),
    expectedError: /first entry must be berth-manifest\.json \(the archive is empty\)/,
  }),
  n({
    name: "manifest not JSON",
    class: "manifest",
    build: () => gzip(concat(manifestRecord("{not json"), ...prelude(), END)),
    expectedError: /entry 1 'berth-manifest\.json': manifest is not valid UTF-8 JSON/,
  }),
  n({
    name: "manifest not UTF-8",
    class: "manifest",
    build: () => gzip(concat(manifestRecord(Buffer.from([0x7b, 0xff, 0x7d])), END)),
    expectedError: /manifest is not valid UTF-8 JSON/,
  }),
  n({
    name: "manifest of another format",
    class: "manifest",
    build: () => gzip(concat(manifestRecord(manifestObject({ format: "other" })), END)),
    expectedError: /manifest format is not 'berth-snapshot'/,
  }),
  n({
    name: "manifest of a future version",
    class: "manifest",
    build: () => gzip(concat(manifestRecord(manifestObject({ version: 3 })), END)),
    expectedError: /unsupported manifest version/,
  }),
  n({
    name: "manifest missing fields",
    class: "manifest",
    build: () => gzip(concat(manifestRecord({ format: "berth-snapshot", version: 1 }), END)),
    expectedError: /manifest is invalid: snapshotId/,
  }),
  n({
    name: "manifest with a duplicate volume index",
    class: "manifest",
    build: () =>
      gzip(
        concat(
          manifestRecord(
            manifestObject({
              volumes: [0, 0].map((index, i) => ({ index, target: CORPUS_TARGETS[i], scope: "stage", source: "s", files: 0, bytes: 0 })),
            }),
          ),
          END,
        ),
      ),
    expectedError: /duplicate volume index/,
  }),
  n({
    name: "manifest with a duplicate target",
    class: "manifest",
    build: () =>
      gzip(
        concat(
          manifestRecord(
            manifestObject({
              volumes: [0, 1].map((index) => ({ index, target: "/data0", scope: "stage", source: "s", files: 0, bytes: 0 })),
            }),
          ),
          END,
        ),
      ),
    expectedError: /duplicate volume target/,
  }),
  n({
    name: "manifest volume index 64",
    class: "manifest",
    build: () =>
      gzip(
        concat(
          manifestRecord(manifestObject({ volumes: [{ index: 64, target: "/data0", scope: "stage", source: "s", files: 0, bytes: 0 }] })),
          END,
        ),
      ),
    expectedError: /manifest is invalid: volumes\.0\.index/,
  }),
  n({
    name: "manifest over 1 MiB",
    class: "manifest",
    build: () => gzip(concat(manifestRecord(" ".repeat(1024 * 1024 + 1)), END)),
    expectedError: /manifest too large/,
  }),
  n({
    name: "manifest with negative counts",
    class: "manifest",
    build: () =>
      gzip(
        concat(
          manifestRecord(manifestObject({ volumes: [{ index: 0, target: "/data0", scope: "stage", source: "s", files: -1, bytes: 0 }] })),
          END,
        ),
      ),
    expectedError: /manifest is invalid: volumes\.0\.files/,
  }),
  p({
    name: "manifest declaring more data than the archive holds",
    class: "manifest",
    build: () =>
      gzip(
        snapshotTar(prelude(), {
          manifest: {
            volumes: [
              { index: 0, target: CORPUS_TARGETS[0], scope: "stage", source: "s", files: 3, bytes: PRELUDE_BYTES },
              { index: 1, target: CORPUS_TARGETS[1], scope: "stage", source: "t", files: 1, bytes: 6 },
            ],
          },
        }),
      ),
    expectedError: new RegExp(
      `volume 0: the manifest declares 3 files / ${PRELUDE_BYTES} bytes but the archive holds 2 / ${PRELUDE_BYTES - 6}`,
    ),
  }),

  // ── not gzip ──
  n({ name: "plain tar", class: "not-gzip", build: () => tarAfterPrelude([]), expectedError: /not a gzip archive/ }),
  n({
    name: "zip",
    class: "not-gzip",
    build: () => concat(Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100)),
    expectedError: /not a gzip archive/,
  }),
  n({
    name: "zstd frame",
    class: "not-gzip",
    build: () => concat(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(100)),
    expectedError: /not a gzip archive/,
  }),
  n({ name: "bzip2", class: "not-gzip", build: () => concat("BZh91AY&SY", Buffer.alloc(100)), expectedError: /not a gzip archive/ }),
  n({
    name: "xz",
    class: "not-gzip",
    build: () => concat(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.alloc(100)),
    expectedError: /not a gzip archive/,
  }),
  n({
    name: "gzip magic with another compression method",
    class: "not-gzip",
    build: () => concat(Buffer.from([0x1f, 0x8b, 0x07]), Buffer.alloc(100)),
    expectedError: /not a gzip archive/,
  }),
  n({
    name: "empty input",
    class: "not-gzip",
    build: () => Buffer.alloc(0),
    expectedError: /not a gzip archive/,
    importError: /The upload is empty/,
  }),
  n({ name: "a text file", class: "not-gzip", build: () => Buffer.from("volumes/0/x: hello\n"), expectedError: /not a gzip archive/ }),
];

// ── v2: links, sparse files ──
// Reasons as fragments of the v2 reader's messages. Each leaves out what the v1 reader says of
// the whole entry type ("hard links are not allowed", "sparse files are not allowed",
// `unsupported pax key "GNU.sparse.…"`), so no case here passes on a reader without links.
const HARD_LINK = /hard link(?!s are not allowed)/;
const UNDER_SYMLINK = /lies under a symbolic link/;
const LINK_TARGET = /link target(?! set on a non-link entry)/;
const DUPLICATE = /duplicate path/;
const SPARSE = /(?<!pax key "GNU\.)sparse(?! files are not allowed)/;
/** `entry <n> '<path>': … <reason>` */
const atR = (n: number, path: string, reason: RegExp) => new RegExp(`${at(n, path).source}.*(?:${reason.source})`);
const either = (...reasons: RegExp[]) => new RegExp(reasons.map((x) => `(?:${x.source})`).join("|"));

/** A symlink whose target comes from a pax linkpath; the ustar field holds its first 100 bytes, as GNU tar writes it. */
const paxSymlink = (name: string, target: string | Buffer) => [
  pax(paxLine("linkpath", typeof target === "string" ? target : target.toString("latin1"))),
  symlink(name, Buffer.from(target).subarray(0, 100)),
];
const paxLinkBody = (key: string, value: Buffer) => {
  // paxLine with raw bytes (a NUL must reach the reader as is).
  const rest = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from("\n")]);
  let len = rest.length + 1;
  while (String(len).length + rest.length !== len) len++;
  return pax(Buffer.concat([Buffer.from(String(len)), rest]));
};
const kSymlink = (name: string, target: string | Buffer) => [gnuLong(target, "K"), symlink(name, Buffer.from(target).subarray(0, 100))];

/** A valid sparse file: 64 KiB with two data segments and a hole at the end. */
const SPARSE_OK: SparseSpec = {
  name: v0("sparse.bin"),
  realSize: 65536,
  map: [
    [4096, 512],
    [32768, 1024],
    [65536, 0],
  ],
};
const sparse = (over: Partial<SparseSpec>) => sparseFile({ ...SPARSE_OK, ...over });
const badMap = (mapText: string, dataLength = 512) => sparse({ mapText, data: Buffer.alloc(dataLength, 0x61) });
/** A long target: 4096 bytes, one more than the cap (PATH_MAX - 1). */
const LONG_TARGET = `${"../".repeat(1000)}${"t".repeat(1096)}`;

const LINK_CASES: Case[] = [
  // An entry whose path lies under an earlier symlink: extracted naively, it lands at the
  // link's target (the trap dir, /etc, the staging dir's parent).
  p({
    name: "symlink to the trap dir, then a file below it",
    class: "under-symlink",
    build: ({ trapDir }) => afterPrelude2([symlink(v0("trap"), trapDir), file(v0("trap/pwned"), "pwned")]),
    expectedError: atR(NEXT + 1, v0("trap/pwned"), UNDER_SYMLINK),
  }),
  p({
    name: "symlink to /etc, then a file below it",
    class: "under-symlink",
    build: () => afterPrelude2([symlink(v0("etc"), "/etc"), file(v0("etc/passwd"), "root::0:0::/root:/bin/sh\n")]),
    expectedError: atR(NEXT + 1, v0("etc/passwd"), UNDER_SYMLINK),
  }),
  p({
    name: "symlink to '..', then a file below it",
    class: "under-symlink",
    build: () => afterPrelude2([symlink(v0("up"), ".."), file(v0("up/pwned"), "pwned")]),
    expectedError: UNDER_SYMLINK,
  }),
  p({
    name: "symlink to '../../outside', then a file below it",
    class: "under-symlink",
    build: () => afterPrelude2([symlink(v0("escape"), "../../outside"), file(v0("escape/pwned"), "pwned")]),
    expectedError: UNDER_SYMLINK,
  }),
  p({
    name: "symlink in a subdirectory, then a file below it",
    class: "under-symlink",
    build: ({ trapDir }) => afterPrelude2([symlink(v0("sub/link"), trapDir), file(v0("sub/link/pwned"), "pwned")]),
    expectedError: UNDER_SYMLINK,
  }),
  p({
    name: "symlink, then a file three levels below it",
    class: "under-symlink",
    build: ({ trapDir }) => afterPrelude2([symlink(v0("deep"), trapDir), file(v0("deep/a/b/pwned"), "pwned")]),
    expectedError: UNDER_SYMLINK,
  }),
  p({
    name: "symlink, then a directory below it",
    class: "under-symlink",
    build: ({ trapDir }) => afterPrelude2([symlink(v0("d"), trapDir), dir(v0("d/made/"))]),
    expectedError: atR(NEXT + 1, v0("d/made/"), UNDER_SYMLINK),
  }),
  p({
    name: "symlink, then a hardlink below it",
    class: "under-symlink",
    build: ({ trapDir }) => afterPrelude2([symlink(v0("h"), trapDir), hardlink(v0("h/pwned"), v0("ok.txt"))]),
    expectedError: atR(NEXT + 1, v0("h/pwned"), UNDER_SYMLINK),
  }),
  p({
    name: "symlink, then a symlink below it",
    class: "under-symlink",
    build: ({ trapDir }) => afterPrelude2([symlink(v0("s"), trapDir), symlink(v0("s/inner"), "/etc/shadow")]),
    expectedError: atR(NEXT + 1, v0("s/inner"), UNDER_SYMLINK),
  }),
  p({
    name: "symlink, then a sparse file below it",
    class: "under-symlink",
    build: ({ trapDir }) => afterPrelude2([symlink(v0("sp"), trapDir), ...sparse({ name: v0("sp/pwned") })]),
    expectedError: UNDER_SYMLINK,
  }),
  p({
    name: "symlink, then a file below it via a pax path",
    class: "under-symlink",
    build: ({ trapDir }) => afterPrelude2([symlink(v0("px"), trapDir), pax({ path: v0("px/pwned") }), file(v0("placeholder"), "pwned")]),
    expectedError: atR(NEXT + 1, v0("px/pwned"), UNDER_SYMLINK),
  }),
  p({
    name: "symlink, then a file below it via a GNU long name",
    class: "under-symlink",
    build: ({ trapDir }) => afterPrelude2([symlink(v0("ln"), trapDir), gnuLong(v0(`ln/${"n".repeat(120)}`)), file(v0("short"), "pwned")]),
    expectedError: UNDER_SYMLINK,
  }),
  p({
    name: "symlink with a long target via pax, then a file below it",
    class: "under-symlink",
    build: ({ trapDir }) => afterPrelude2([...paxSymlink(v0("pl"), `${trapDir}/${"./".repeat(60)}`), file(v0("pl/pwned"), "pwned")]),
    expectedError: UNDER_SYMLINK,
  }),
  p({
    name: "symlink in volume 1, then a file below it",
    class: "under-symlink",
    build: ({ trapDir }) => afterPrelude2([symlink(v1("v1link"), trapDir), file(v1("v1link/pwned"), "pwned")]),
    expectedError: UNDER_SYMLINK,
  }),
  p({
    name: "symlink spelled NFD, then a file below its NFC twin",
    class: "under-symlink",
    build: ({ trapDir }) => afterPrelude2([symlink(v0(NFD), trapDir), file(v0(`${NFC}/pwned`), "pwned")]),
    expectedError: either(UNDER_SYMLINK, /Unicode normalization twin/),
  }),
  n({
    name: "symlink as a volume root, then a file in that volume",
    class: "under-symlink",
    build: ({ trapDir }) => gzip(snapshotTar([symlink("volumes/0", trapDir), file(v0("pwned"), "pwned"), dir(v1(""))], { version: 2 })),
    expectedError: /a volume root must be a directory/,
  }),

  // Hard links: only to an earlier regular file of the same volume, named by its archive path.
  p({
    name: "hardlink to /etc/shadow",
    class: "hardlink",
    build: () => afterPrelude2([hardlink(v0("shadow"), "/etc/shadow")]),
    expectedError: atR(NEXT, v0("shadow"), HARD_LINK),
  }),
  p({
    name: "hardlink to a later entry",
    class: "hardlink",
    build: () => afterPrelude2([hardlink(v0("early"), v0("later.txt")), file(v0("later.txt"), "later")]),
    expectedError: atR(NEXT, v0("early"), HARD_LINK),
  }),
  p({
    name: "hardlink to a file of another volume",
    class: "hardlink",
    build: () => afterPrelude2([hardlink(v0("cross"), v1("other.txt"))]),
    expectedError: atR(NEXT, v0("cross"), HARD_LINK),
  }),
  p({
    name: "hardlink from volume 1 to volume 0's file",
    class: "hardlink",
    build: () => afterPrelude2([hardlink(v1("cross"), v0("ok.txt"))]),
    expectedError: HARD_LINK,
  }),
  p({ name: "hardlink to '../x'", class: "hardlink", build: () => afterPrelude2([hardlink(v0("up"), "../x")]), expectedError: HARD_LINK }),
  p({
    name: "hardlink through '..' to the outside marker",
    class: "hardlink",
    build: () => afterPrelude2([hardlink(v0("up2"), v0("../../outside/marker.txt"))]),
    expectedError: HARD_LINK,
  }),
  p({
    name: "hardlink through '..' to another volume",
    class: "hardlink",
    build: () => afterPrelude2([hardlink(v0("up3"), v0("../1/other.txt"))]),
    expectedError: HARD_LINK,
  }),
  p({
    name: "hardlink to a path relative to the volume",
    class: "hardlink",
    build: () => afterPrelude2([hardlink(v0("rel"), "ok.txt")]),
    expectedError: HARD_LINK,
  }),
  p({
    name: "hardlink to a directory",
    class: "hardlink",
    build: () => afterPrelude2([hardlink(v0("dirlink"), v0("sub"))]),
    expectedError: atR(NEXT, v0("dirlink"), HARD_LINK),
  }),
  p({
    name: "hardlink to a directory, named with its slash",
    class: "hardlink",
    build: () => afterPrelude2([hardlink(v0("dirlink"), v0("sub/"))]),
    expectedError: HARD_LINK,
  }),
  p({
    name: "hardlink to the volume root",
    class: "hardlink",
    build: () => afterPrelude2([hardlink(v0("rootlink"), "volumes/0")]),
    expectedError: HARD_LINK,
  }),
  p({
    name: "hardlink to a directory only implied by a file",
    class: "hardlink",
    build: () => afterPrelude2([file(v0("implied/a"), "a"), hardlink(v0("implink"), v0("implied"))]),
    expectedError: HARD_LINK,
  }),
  p({
    name: "hardlink to a symlink",
    class: "hardlink",
    build: () => afterPrelude2([symlink(v0("sl"), "ok.txt"), hardlink(v0("hl"), v0("sl"))]),
    expectedError: atR(NEXT + 1, v0("hl"), HARD_LINK),
  }),
  p({
    name: "hardlink to a symlink to /etc/shadow",
    class: "hardlink",
    build: () => afterPrelude2([symlink(v0("sl"), "/etc/shadow"), hardlink(v0("hl"), v0("sl"))]),
    expectedError: HARD_LINK,
  }),
  p({
    name: "hardlink to itself",
    class: "hardlink",
    build: () => afterPrelude2([hardlink(v0("self"), v0("self"))]),
    expectedError: atR(NEXT, v0("self"), HARD_LINK),
  }),
  p({
    name: "hardlink to a missing path",
    class: "hardlink",
    build: () => afterPrelude2([hardlink(v0("ghost"), v0("missing.txt"))]),
    expectedError: atR(NEXT, v0("ghost"), HARD_LINK),
  }),
  p({
    name: "hardlink to the NFD twin of an earlier file",
    class: "hardlink",
    build: () => afterPrelude2([file(v0(NFC), "nfc"), hardlink(v0("twin"), v0(NFD))]),
    expectedError: HARD_LINK,
  }),
  p({
    name: "hardlink to the manifest",
    class: "hardlink",
    build: () => afterPrelude2([hardlink(v0("manifest"), "berth-manifest.json")]),
    expectedError: HARD_LINK,
  }),
  p({
    name: "hardlink to another volume via a pax linkpath",
    class: "hardlink",
    build: () => afterPrelude2([pax({ linkpath: v1("other.txt") }), hardlink(v0("pl"), v0("ok.txt"))]),
    expectedError: HARD_LINK,
  }),
  p({
    name: "hardlink to /etc/shadow via a GNU long-link record",
    class: "hardlink",
    build: () => afterPrelude2([gnuLong("/etc/shadow", "K"), hardlink(v0("kl"), v0("ok.txt"))]),
    expectedError: HARD_LINK,
  }),

  // Duplicate link paths: whichever entry came last would win, or be created through the other.
  p({
    name: "symlink twice at one path",
    class: "duplicate",
    build: ({ trapDir }) => afterPrelude2([symlink(v0("dup"), "ok.txt"), symlink(v0("dup"), trapDir)]),
    expectedError: atR(NEXT + 1, v0("dup"), DUPLICATE),
  }),
  p({
    name: "symlink, then a file at its path",
    class: "duplicate",
    build: ({ trapDir }) => afterPrelude2([symlink(v0("dup"), `${trapDir}/pwned`), file(v0("dup"), "pwned")]),
    expectedError: atR(NEXT + 1, v0("dup"), DUPLICATE),
  }),
  p({
    name: "file, then a symlink at its path",
    class: "duplicate",
    build: ({ trapDir }) => afterPrelude2([symlink(v0("ok.txt"), trapDir)]),
    expectedError: atR(NEXT, v0("ok.txt"), DUPLICATE),
  }),
  p({
    name: "directory, then a symlink at its path",
    class: "duplicate",
    build: ({ trapDir }) => afterPrelude2([symlink(v0("sub"), trapDir)]),
    expectedError: either(DUPLICATE, /file\/directory clash/),
  }),
  p({
    name: "symlink, then a directory at its path",
    class: "duplicate",
    build: ({ trapDir }) => afterPrelude2([symlink(v0("sd"), trapDir), dir(v0("sd/"))]),
    expectedError: either(DUPLICATE, /file\/directory clash/, UNDER_SYMLINK),
  }),
  p({
    name: "hardlink twice at one path",
    class: "duplicate",
    build: () => afterPrelude2([hardlink(v0("hl"), v0("ok.txt")), hardlink(v0("hl"), v0("sub/blob.bin"))]),
    expectedError: atR(NEXT + 1, v0("hl"), DUPLICATE),
  }),
  p({
    name: "hardlink at the path of its own target",
    class: "duplicate",
    build: () => afterPrelude2([hardlink(v0("ok.txt"), v0("ok.txt"))]),
    expectedError: either(DUPLICATE, HARD_LINK),
  }),
  p({
    name: "hardlink, then a file at its path",
    class: "duplicate",
    build: () => afterPrelude2([hardlink(v0("hl"), v0("ok.txt")), file(v0("hl"), "overwrite")]),
    expectedError: atR(NEXT + 1, v0("hl"), DUPLICATE),
  }),
  p({
    name: "symlink, then a hardlink at its path",
    class: "duplicate",
    build: () => afterPrelude2([symlink(v0("sh"), "/etc/shadow"), hardlink(v0("sh"), v0("ok.txt"))]),
    expectedError: atR(NEXT + 1, v0("sh"), DUPLICATE),
  }),
  p({
    name: "sparse file at an earlier file's path",
    class: "duplicate",
    build: () => afterPrelude2([...sparse({ name: v0("ok.txt") })]),
    expectedError: DUPLICATE,
  }),
  p({
    name: "symlinks at NFC and NFD twins",
    class: "duplicate",
    build: ({ trapDir }) => afterPrelude2([symlink(v0(NFC), "ok.txt"), symlink(v0(NFD), trapDir)]),
    expectedError: /Unicode normalization twin/,
  }),

  // Link targets: at most 4095 bytes (PATH_MAX - 1), no NUL, not empty.
  p({
    name: "symlink target of 4096 bytes via a pax linkpath",
    class: "link-target",
    build: () => afterPrelude2([...paxSymlink(v0("long"), LONG_TARGET)]),
    expectedError: atR(NEXT, v0("long"), LINK_TARGET),
  }),
  p({
    name: "symlink target of 4096 bytes via a GNU long-link record",
    class: "link-target",
    build: () => afterPrelude2([...kSymlink(v0("long"), LONG_TARGET)]),
    expectedError: LINK_TARGET,
  }),
  p({
    name: "symlink target of 60 KiB via a pax linkpath",
    class: "link-target",
    build: () => afterPrelude2([...paxSymlink(v0("long"), "x/".repeat(30_000))]),
    expectedError: LINK_TARGET,
  }),
  p({
    name: "hardlink target of 4096 bytes via a pax linkpath",
    class: "link-target",
    build: () => afterPrelude2([pax({ linkpath: v0("x".repeat(4086)) }), hardlink(v0("hl"), v0("ok.txt"))]),
    expectedError: either(LINK_TARGET, HARD_LINK),
  }),
  p({
    name: "symlink target with a NUL via a pax linkpath",
    class: "link-target",
    build: () => afterPrelude2([paxLinkBody("linkpath", Buffer.from("ok.txt\0/../../../outside")), symlink(v0("nul"), "ok.txt")]),
    expectedError: LINK_TARGET,
  }),
  p({
    name: "symlink target with bytes after the NUL in the linkname field",
    class: "link-target",
    build: () => afterPrelude2([symlink(v0("nul"), Buffer.from("ok.txt\0/../../../outside"))]),
    expectedError: atR(NEXT, v0("nul"), LINK_TARGET),
  }),
  p({
    name: "symlink target with a NUL in a GNU long-link record",
    class: "link-target",
    build: () => afterPrelude2([...kSymlink(v0("nul"), Buffer.from(`ok.txt\0${"/..".repeat(40)}`))]),
    expectedError: LINK_TARGET,
  }),
  p({
    name: "hardlink target with bytes after the NUL in the linkname field",
    class: "link-target",
    build: () => afterPrelude2([hardlink(v0("nul"), Buffer.from(`${v0("ok.txt")}\0/etc`))]),
    expectedError: either(LINK_TARGET, HARD_LINK),
  }),
  p({
    name: "empty symlink target",
    class: "link-target",
    build: () => afterPrelude2([symlink(v0("empty"), "")]),
    expectedError: atR(NEXT, v0("empty"), LINK_TARGET),
  }),
  p({
    name: "empty symlink target via an empty pax linkpath",
    class: "link-target",
    build: () => afterPrelude2([pax({ linkpath: "" }), symlink(v0("empty"), "")]),
    expectedError: LINK_TARGET,
  }),
  p({
    name: "empty hardlink target",
    class: "link-target",
    build: () => afterPrelude2([hardlink(v0("empty"), "")]),
    expectedError: either(LINK_TARGET, HARD_LINK),
  }),
  p({
    name: "symlink target that is not UTF-8",
    class: "link-target",
    build: () => afterPrelude2([symlink(v0("bin"), Buffer.from([0x2e, 0x2e, 0x2f, 0xff, 0xfe]))]),
    expectedError: LINK_TARGET,
  }),
  p({
    name: "link target on a directory via a pax linkpath",
    class: "link-target",
    build: ({ trapDir }) => afterPrelude2([pax({ linkpath: trapDir }), dir(v0("d/"))]),
    expectedError: /link target set on a non-link entry/,
  }),
  p({
    name: "link target on a file via a GNU long-link record",
    class: "link-target",
    build: ({ trapDir }) => afterPrelude2([gnuLong(trapDir, "K"), file(v0("f"), "x")]),
    expectedError: /link target set on a non-link entry/,
  }),
  p({
    name: "two GNU long-link records for one link",
    class: "link-target",
    build: ({ trapDir }) => afterPrelude2([gnuLong("ok.txt", "K"), gnuLong(trapDir, "K"), symlink(v0("twice"), "ok.txt")]),
    expectedError: /two GNU long-link records for one entry|two .*for one entry/,
  }),
  p({
    name: "pax linkpath and a GNU long-link record together",
    class: "link-target",
    build: ({ trapDir }) => afterPrelude2([pax({ linkpath: "ok.txt" }), gnuLong(trapDir, "K"), symlink(v0("both"), "ok.txt")]),
    expectedError: /both a pax linkpath and a GNU long-link record|both a pax .* and a GNU long/,
  }),

  // Unknown pax keys stay refused, next to a link's keys too.
  p({
    name: "pax linkpath with hdrcharset=BINARY",
    class: "pax-link",
    build: ({ trapDir }) => afterPrelude2([pax(paxLine("linkpath", trapDir) + paxLine("hdrcharset", "BINARY")), symlink(v0("hc"), "x")]),
    expectedError: /unsupported pax key "hdrcharset"/,
  }),
  p({
    name: "hdrcharset before a link's pax linkpath",
    class: "pax-link",
    build: () =>
      afterPrelude2([pax(paxLine("hdrcharset", "BINARY") + paxLine("linkpath", "/etc/shadow")), hardlink(v0("hc"), v0("ok.txt"))]),
    expectedError: /unsupported pax key "hdrcharset"/,
  }),
  p({
    name: "symlink's pax path with hdrcharset",
    class: "pax-link",
    build: () =>
      afterPrelude2([
        pax(paxLine("path", v0("hcp")) + paxLine("hdrcharset", "ISO-IR 10646 2000 UTF-8")),
        symlink(v0("placeholder"), "ok.txt"),
      ]),
    expectedError: /unsupported pax key "hdrcharset"/,
  }),
  p({
    name: "pax linkpath with an unknown key",
    class: "pax-link",
    build: () =>
      afterPrelude2([pax(paxLine("linkpath", "ok.txt") + paxLine("LIBARCHIVE.symlinktype", "dir")), symlink(v0("uk"), "ok.txt")]),
    expectedError: /unsupported pax key "LIBARCHIVE\.symlinktype"/,
  }),
  p({
    name: "pax linkpath with a vendor key",
    class: "pax-link",
    build: () => afterPrelude2([pax(paxLine("linkpath", "../..") + paxLine("BERTH.follow", "1")), symlink(v0("vk"), "..")]),
    expectedError: /unsupported pax key "BERTH\.follow"/,
  }),
  p({
    name: "pax linkpath repeated",
    class: "pax-link",
    build: ({ trapDir }) =>
      afterPrelude2([pax(paxLine("linkpath", "ok.txt") + paxLine("linkpath", trapDir)), symlink(v0("rep"), "ok.txt")]),
    expectedError: /repeated pax key 'linkpath'/,
  }),
  p({
    name: "global pax linkpath",
    class: "pax-link",
    build: ({ trapDir }) => afterPrelude2([pax({ linkpath: trapDir }, "g"), symlink(v0("g"), "ok.txt")]),
    expectedError: /global pax headers are not allowed/,
  }),

  // Sparse files: GNU tar's PAX 1.0 format only, with a map that is exactly what the data holds.
  p({
    name: "sparse map: overlapping segments",
    class: "sparse",
    build: () =>
      afterPrelude2([
        ...sparse({
          map: [
            [4096, 1024],
            [4608, 512],
            [65536, 0],
          ],
        }),
      ]),
    expectedError: atR(NEXT, v0("sparse.bin"), SPARSE),
  }),
  p({
    name: "sparse map: decreasing offsets",
    class: "sparse",
    build: () =>
      afterPrelude2([
        ...sparse({
          map: [
            [32768, 512],
            [4096, 512],
            [65536, 0],
          ],
        }),
      ]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse map: the same segment twice",
    class: "sparse",
    build: () =>
      afterPrelude2([
        ...sparse({
          map: [
            [4096, 512],
            [4096, 512],
            [65536, 0],
          ],
        }),
      ]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse map: a segment beyond the real size",
    class: "sparse",
    build: () =>
      afterPrelude2([
        ...sparse({
          map: [
            [4096, 512],
            [65000, 1024],
          ],
        }),
      ]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse map: the closing entry beyond the real size",
    class: "sparse",
    build: () =>
      afterPrelude2([
        ...sparse({
          map: [
            [4096, 512],
            [70000, 0],
          ],
        }),
      ]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse map: an offset of 2^53",
    class: "sparse",
    build: () =>
      afterPrelude2([
        ...sparse({
          map: [
            [4096, 512],
            [2 ** 53, 512],
          ],
        }),
      ]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse map: count larger than the map (runs into the data)",
    class: "sparse",
    build: () => afterPrelude2([...badMap("5\n4096\n512\n")]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse map: count of 10^15",
    class: "sparse",
    build: () => afterPrelude2([...badMap("1000000000000000\n4096\n512\n")]),
    expectedError: SPARSE,
  }),
  p({ name: "sparse map: count of 0", class: "sparse", build: () => afterPrelude2([...badMap("0\n", 0)]), expectedError: SPARSE }),
  p({
    name: "sparse map: segments sum to less than the data",
    class: "sparse",
    build: () => afterPrelude2([...sparse({ map: [[4096, 512]], data: Buffer.alloc(1024, 0x61) })]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse map: segments sum to more than the data",
    class: "sparse",
    build: () => afterPrelude2([...sparse({ map: [[4096, 1024]], data: Buffer.alloc(512, 0x61) })]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse map: hexadecimal offset",
    class: "sparse",
    build: () => afterPrelude2([...badMap("1\n0x1000\n512\n")]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse map: signed offset",
    class: "sparse",
    build: () => afterPrelude2([...badMap("1\n+4096\n512\n")]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse map: negative length",
    class: "sparse",
    build: () => afterPrelude2([...badMap("2\n4096\n-512\n8192\n1024\n")]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse map: leading zero",
    class: "sparse",
    build: () => afterPrelude2([...badMap("1\n04096\n512\n")]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse map: a space before a number",
    class: "sparse",
    build: () => afterPrelude2([...badMap("1\n 4096\n512\n")]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse map: exponent notation",
    class: "sparse",
    build: () => afterPrelude2([...badMap("1\n4e3\n512\n")]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse map: no number before a newline",
    class: "sparse",
    build: () => afterPrelude2([...badMap("1\n\n512\n")]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse map: bytes in its padding",
    class: "sparse",
    build: () => afterPrelude2([...badMap("1\n4096\n512\nhidden")]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse realsize over 16 TiB",
    class: "sparse",
    build: () => afterPrelude2([...sparse({ realSize: 2 ** 44 + 1, map: [[0, 512]] })]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse realsize of 2^63",
    class: "sparse",
    build: () => afterPrelude2([...sparse({ keys: { "GNU.sparse.realsize": "9223372036854775808" } })]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse realsize not decimal",
    class: "sparse",
    build: () => afterPrelude2([...sparse({ keys: { "GNU.sparse.realsize": "0x10000" } })]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse realsize negative",
    class: "sparse",
    build: () => afterPrelude2([...sparse({ keys: { "GNU.sparse.realsize": "-1" } })]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse without GNU.sparse.realsize",
    class: "sparse",
    build: () => afterPrelude2([...sparse({ keys: { "GNU.sparse.realsize": null } })]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse format 0.0",
    class: "sparse",
    build: () => afterPrelude2([...sparse({ keys: { "GNU.sparse.major": "0", "GNU.sparse.minor": "0" } })]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse format 0.1",
    class: "sparse",
    build: () => afterPrelude2([...sparse({ keys: { "GNU.sparse.major": "0", "GNU.sparse.minor": "1" } })]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse format 1.1",
    class: "sparse",
    build: () => afterPrelude2([...sparse({ keys: { "GNU.sparse.minor": "1" } })]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse format 2.0",
    class: "sparse",
    build: () => afterPrelude2([...sparse({ keys: { "GNU.sparse.major": "2" } })]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse major without minor",
    class: "sparse",
    build: () => afterPrelude2([...sparse({ keys: { "GNU.sparse.minor": null } })]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse minor without major",
    class: "sparse",
    build: () => afterPrelude2([...sparse({ keys: { "GNU.sparse.major": null } })]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse format 0.1 map key",
    class: "sparse",
    build: () => afterPrelude2([...sparse({ keys: { "GNU.sparse.major": "0", "GNU.sparse.minor": "1", "GNU.sparse.map": "4096,512" } })]),
    expectedError: either(SPARSE, /unsupported pax key "GNU\.sparse\.map"/),
  }),
  p({
    name: "sparse keys on a directory",
    class: "sparse",
    build: () =>
      afterPrelude2([
        pax(
          paxLine("GNU.sparse.major", "1") +
            paxLine("GNU.sparse.minor", "0") +
            paxLine("GNU.sparse.name", v0("sd")) +
            paxLine("GNU.sparse.realsize", "65536"),
        ),
        dir(v0("GNUSparseFile.0/sd/")),
      ]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse keys on a symlink",
    class: "sparse",
    build: ({ trapDir }) =>
      afterPrelude2([
        pax(
          paxLine("GNU.sparse.major", "1") +
            paxLine("GNU.sparse.minor", "0") +
            paxLine("GNU.sparse.name", v0("sl")) +
            paxLine("GNU.sparse.realsize", "65536"),
        ),
        symlink(v0("GNUSparseFile.0/sl"), trapDir),
      ]),
    expectedError: SPARSE,
  }),
  p({
    name: "sparse name with '..'",
    class: "sparse",
    build: () => afterPrelude2([...sparse({ name: v0("../../outside/sparse") })]),
    expectedError: /path contains a '\.\.' segment/,
  }),
  p({
    name: "sparse name absolute",
    class: "sparse",
    build: () => afterPrelude2([...sparse({ name: `${ESCAPE_DIR}/sparse` })]),
    expectedError: /absolute path/,
  }),
  p({
    name: "old GNU sparse type 'S' in a v2 archive",
    class: "sparse",
    build: () => afterPrelude2([record({ name: v0("old-sparse"), type: "S" }, "x")]),
    expectedError: /sparse files (are not allowed|in GNU tar's old format are not supported)/,
  }),
];

/** A link archive that is valid: it must be accepted, and create exactly these links. */
export interface LinkArchive {
  name: string;
  build: (ctx: BuildContext) => Buffer;
  /** Symlinks it creates, with their exact target text. */
  symlinks: (ctx: BuildContext) => { volume: number; path: string; target: string }[];
  /** Hard links it creates: `path` shares its inode with `target` (same volume). */
  hardlinks: { volume: number; path: string; target: string }[];
  /** Regular files it writes beside (never under) its symlinks, with their content. */
  files: { volume: number; path: string; content: string }[];
}

/** 4095 bytes: the longest target allowed. */
export const MAX_TARGET = `${"../".repeat(1000)}${"t".repeat(1095)}`;
const K_TARGET = `${"k".repeat(150)}/${"../".repeat(20)}etc/hostname`;

export const LINK_ARCHIVES: readonly LinkArchive[] = [
  {
    name: "symlink to /etc/passwd (absolute target)",
    build: () => afterPrelude2([symlink(v0("passwd"), "/etc/passwd")]),
    symlinks: () => [{ volume: 0, path: "passwd", target: "/etc/passwd" }],
    hardlinks: [],
    files: [],
  },
  {
    name: "symlink to the trap dir, files beside it whose names start with the link's",
    build: ({ trapDir }) =>
      afterPrelude2([
        symlink(v0("trap"), trapDir),
        file(v0("trap2"), "beside"),
        dir(v0("trap.d/")),
        file(v0("trap.d/x"), "beside"),
        file(v0("sub/trap"), "beside"),
      ]),
    symlinks: ({ trapDir }) => [{ volume: 0, path: "trap", target: trapDir }],
    hardlinks: [],
    files: [
      { volume: 0, path: "trap2", content: "beside" },
      { volume: 0, path: "trap.d/x", content: "beside" },
      { volume: 0, path: "sub/trap", content: "beside" },
    ],
  },
  {
    name: "symlinks with '..' targets out of the staging dir",
    build: () =>
      afterPrelude2([
        symlink(v0("escape"), "../../outside"),
        symlink(v0("up"), ".."),
        symlink(v0("sub/up"), "../../../outside/marker.txt"),
      ]),
    symlinks: () => [
      { volume: 0, path: "escape", target: "../../outside" },
      { volume: 0, path: "up", target: ".." },
      { volume: 0, path: "sub/up", target: "../../../outside/marker.txt" },
    ],
    hardlinks: [],
    files: [],
  },
  {
    name: "dangling symlink, and a symlink to an entry that comes later",
    build: () =>
      afterPrelude2([symlink(v0("dangling"), "does/not/exist"), symlink(v0("forward"), "later.txt"), file(v0("later.txt"), "later")]),
    symlinks: () => [
      { volume: 0, path: "dangling", target: "does/not/exist" },
      { volume: 0, path: "forward", target: "later.txt" },
    ],
    hardlinks: [],
    files: [{ volume: 0, path: "later.txt", content: "later" }],
  },
  {
    name: "symlink to a directory, then a file in the real directory",
    build: () => afterPrelude2([symlink(v0("sublink"), "sub"), file(v0("sub/after.txt"), "after")]),
    symlinks: () => [{ volume: 0, path: "sublink", target: "sub" }],
    hardlinks: [],
    files: [{ volume: 0, path: "sub/after.txt", content: "after" }],
  },
  {
    name: "symlink in volume 0, a directory of the same name in volume 1",
    build: ({ trapDir }) => afterPrelude2([symlink(v0("shared"), trapDir), dir(v1("shared/")), file(v1("shared/x"), "volume 1")]),
    symlinks: ({ trapDir }) => [{ volume: 0, path: "shared", target: trapDir }],
    hardlinks: [],
    files: [{ volume: 1, path: "shared/x", content: "volume 1" }],
  },
  {
    name: "symlink target of 4095 bytes via a pax linkpath, and one via a GNU long-link record",
    build: () => afterPrelude2([...paxSymlink(v0("longest"), MAX_TARGET), ...kSymlink(v1("k-link"), K_TARGET)]),
    symlinks: () => [
      { volume: 0, path: "longest", target: MAX_TARGET },
      { volume: 1, path: "k-link", target: K_TARGET },
    ],
    hardlinks: [],
    files: [],
  },
  {
    name: "symlinks named and aimed in Unicode, with spaces and a trailing slash",
    build: () => afterPrelude2([symlink(v1("имя ссылки"), "../dir with space/ü/"), symlink(v1("日本"), "/データ")]),
    symlinks: () => [
      { volume: 1, path: "имя ссылки", target: "../dir with space/ü/" },
      { volume: 1, path: "日本", target: "/データ" },
    ],
    hardlinks: [],
    files: [],
  },
  {
    name: "hardlinks to earlier files, in both volumes",
    build: () =>
      afterPrelude2([
        hardlink(v0("again"), v0("ok.txt")),
        hardlink(v0("sub/blob-link"), v0("sub/blob.bin")),
        hardlink(v0("again2"), v0("ok.txt")),
        hardlink(v1("other-link"), v1("other.txt")),
      ]),
    symlinks: () => [],
    hardlinks: [
      { volume: 0, path: "again", target: "ok.txt" },
      { volume: 0, path: "sub/blob-link", target: "sub/blob.bin" },
      { volume: 0, path: "again2", target: "ok.txt" },
      { volume: 1, path: "other-link", target: "other.txt" },
    ],
    files: [],
  },
  {
    name: "hardlink named by a pax linkpath, beside a symlink to the same file",
    build: () =>
      afterPrelude2([symlink(v0("sym"), "sub/blob.bin"), pax({ linkpath: v0("sub/blob.bin") }), hardlink(v0("hard"), "placeholder")]),
    symlinks: () => [{ volume: 0, path: "sym", target: "sub/blob.bin" }],
    hardlinks: [{ volume: 0, path: "hard", target: "sub/blob.bin" }],
    files: [],
  },
];

export const MALICIOUS_ARCHIVES: readonly MaliciousArchive[] = [...cases, ...LINK_CASES].map((c) => ({ failsAfterData: false, ...c }));
