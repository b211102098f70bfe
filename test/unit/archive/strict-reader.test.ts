import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  BLOCK,
  concat,
  dir,
  END,
  file,
  flipByte,
  gnuLong,
  gzip,
  gzipMembers,
  hardlink,
  header,
  manifestObject,
  manifestRecord,
  pax,
  paxLine,
  record,
  snapshotTar,
  sparseFile,
  symlink,
  truncate,
} from "../../support/archive-builder";
import { LINK_ARCHIVES, MALICIOUS_ARCHIVES } from "../../support/malicious-archives";
import { DomainError } from "~/server/engine/errors";
import { ArchiveRejectedError } from "~/server/engine/archive/errors";
import type { ArchiveLimits } from "~/server/engine/archive/limits";
import { readSnapshotArchive, type ArchiveEntry } from "~/server/engine/archive/strict-reader";

const v0 = (p: string) => `volumes/0/${p}`;
const v1 = (p: string) => `volumes/1/${p}`;

function* chunks(data: Buffer, size: number) {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function read(archive: Buffer, options: { limits?: Partial<ArchiveLimits>; chunk?: number } = {}) {
  const entries: (ArchiveEntry & { data: string | null })[] = [];
  const result = await readSnapshotArchive(Readable.from(options.chunk ? chunks(archive, options.chunk) : [archive]), {
    limits: options.limits,
    onEntry: async (entry, body) => {
      let data: string | null = null;
      if (body) {
        const parts: Buffer[] = [];
        for await (const c of body) parts.push(c as Buffer);
        data = Buffer.concat(parts).toString("utf8");
      }
      entries.push({ ...entry, data });
    },
  });
  return { ...result, entries };
}

async function rejection(
  archive: Buffer,
  options: { limits?: Partial<ArchiveLimits>; chunk?: number } = {},
): Promise<ArchiveRejectedError> {
  try {
    await read(archive, options);
  } catch (err) {
    expect(err).toBeInstanceOf(ArchiveRejectedError);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe("BAD_REQUEST");
    return err as ArchiveRejectedError;
  }
  throw new Error("archive was accepted");
}

const gz = (parts: Buffer[], options?: Parameters<typeof snapshotTar>[1]) => gzip(snapshotTar(parts, options));
/** With a version 2 manifest (links, owners, special bits, sparse files). */
const gz2 = (parts: Buffer[], options?: Parameters<typeof snapshotTar>[1]) => gzip(snapshotTar(parts, { ...options, version: 2 }));

interface Case {
  name: string;
  archive: () => Buffer;
  error: RegExp;
  limits?: Partial<ArchiveLimits>;
}

const nfc = "caf\u00e9";
const nfd = "cafe\u0301";
const smuggled = header({ name: v0("../evil"), size: 0 });
const gzOk = () => gz([dir(v0("")), file(v0("a"), "hello")]);

// Every rule of the strict reader, each in an archive built here from raw bytes.
const corpus: Case[] = [
  // Paths
  { name: "absolute path", archive: () => gz([file("/volumes/0/x", "a")]), error: /entry 2 '\/volumes\/0\/x': absolute path/ },
  {
    name: "'..' after the index",
    archive: () => gz([file(v0("../x"), "a")]),
    error: /entry 2 'volumes\/0\/\.\.\/x': path contains a '\.\.' segment/,
  },
  { name: "'..' escaping twice", archive: () => gz([file(v0("a/../../x"), "a")]), error: /'\.\.' segment/ },
  { name: "'..' as the last segment", archive: () => gz([dir(v0("a/.."))]), error: /'\.\.' segment/ },
  { name: "'..' as the first segment", archive: () => gz([file("../volumes/0/x", "a")]), error: /'\.\.' segment/ },
  { name: "'..' as the index", archive: () => gz([file("volumes/../0/x", "a")]), error: /'\.\.' segment/ },
  { name: "'.' segment", archive: () => gz([file(v0("./x"), "a")]), error: /'\.' segment/ },
  { name: "leading './'", archive: () => gz([file("./volumes/0/x", "a")]), error: /'\.' segment/ },
  { name: "empty segment", archive: () => gz([file(v0("a//x"), "a")]), error: /empty segment/ },
  { name: "backslash", archive: () => gz([file(v0("a\\b"), "a")]), error: /backslash/ },
  { name: "NUL in the name field", archive: () => gz([file(Buffer.from(`${v0("a")}\0../../x`), "a")]), error: /NUL character/ },
  {
    name: "newline in a name",
    archive: () => gz([file(v0("a\nb"), "a")]),
    error: /'volumes\/0\/a\\x0ab': path contains a control character/,
  },
  { name: "DEL in a name", archive: () => gz([file(v0("a\u007f"), "a")]), error: /control character/ },
  {
    name: "invalid UTF-8 name",
    archive: () => gz([file(Buffer.concat([Buffer.from(v0("")), Buffer.from([0xff, 0xfe])]), "a")]),
    error: /not valid UTF-8/,
  },
  { name: "file name ending in '/'", archive: () => gz([file(v0("a/"), "data")]), error: /file path ends with '\/'/ },
  // Entry types
  { name: "character device", archive: () => gz([record({ name: v0("c"), type: "3" })]), error: /character devices/ },
  { name: "block device", archive: () => gz([record({ name: v0("b"), type: "4" })]), error: /block devices/ },
  { name: "FIFO", archive: () => gz([record({ name: v0("f"), type: "6" })]), error: /FIFOs/ },
  { name: "contiguous file", archive: () => gz([record({ name: v0("c"), type: "7" }, "x")]), error: /contiguous files/ },
  { name: "unknown type 'Z'", archive: () => gz([record({ name: v0("z"), type: "Z" }, "x")]), error: /unsupported entry type "Z"/ },
  { name: "GNU sparse file", archive: () => gz([record({ name: v0("s"), type: "S" }, "x")]), error: /sparse files/ },
  {
    name: "hardlink to a later file (v2)",
    archive: () => gz2([hardlink(v0("h"), v0("a")), file(v0("a"), "x")]),
    error: /entry 2 'volumes\/0\/h': hard link(?!s are not allowed)/,
  },
  {
    name: "file under a symlink (v2)",
    archive: () => gz2([symlink(v0("l"), "/etc"), file(v0("l/passwd"), "x")]),
    error: /entry 3 'volumes\/0\/l\/passwd': .*lies under a symbolic link/,
  },
  {
    name: "old-style regular file (NUL type)",
    archive: () => gz([record({ name: v0("o"), type: "\0" }, "x")]),
    error: /unsupported entry type/,
  },
  { name: "GNU dumpdir", archive: () => gz([record({ name: v0("d"), type: "D" })]), error: /unsupported entry type "D"/ },
  {
    name: "link target on a regular file",
    archive: () => gz([file(v0("a"), "x", { linkname: "/etc/passwd" })]),
    error: /link target set on a non-link entry/,
  },
  { name: "directory with data", archive: () => gz([record({ name: v0("d/"), type: "5" }, "payload")]), error: /directory entry has data/ },
  // Pax
  {
    name: "global pax header setting the path",
    archive: () => gz([pax({ path: v0("x") }, "g"), file(v0("y"), "a")]),
    error: /global pax headers are not allowed/,
  },
  {
    name: "pax path with '..'",
    archive: () => gz([pax({ path: v0("../x") }), file(v0("ok"), "a")]),
    error: /entry 2 'volumes\/0\/\.\.\/x': path contains a '\.\.' segment/,
  },
  {
    name: "pax absolute path",
    archive: () => gz([pax({ path: "/etc/cron.d/x" }), file(v0("ok"), "a")]),
    error: /'\/etc\/cron\.d\/x': absolute path/,
  },
  {
    name: "pax header too large",
    archive: () => gz([pax({ path: v0("a".repeat(70_000)) }), file(v0("ok"), "a")]),
    error: /pax header too large/,
  },
  {
    name: "pax record with a wrong length",
    archive: () => gz([pax(`99 path=${v0("x")}\n`), file(v0("ok"), "a")]),
    error: /malformed pax record/,
  },
  { name: "pax record without newline", archive: () => gz([pax(`12 path=abc `), file(v0("ok"), "a")]), error: /malformed pax record/ },
  {
    name: "pax linkpath",
    archive: () => gz([pax({ linkpath: "/etc" }), file(v0("ok"), "a")]),
    error: /unsupported pax key "linkpath"|link target set on a non-link entry/,
  },
  { name: "pax GNU sparse map", archive: () => gz([pax({ "GNU.sparse.size": "10" }), file(v0("ok"), "a")]), error: /unsupported pax key/ },
  { name: "pax retyping an entry", archive: () => gz([pax({ type: "2" }), file(v0("ok"), "a")]), error: /unsupported pax key "type"/ },
  {
    name: "pax repeated key",
    archive: () => gz([pax(paxLine("path", v0("a")) + paxLine("path", v0("../b"))), file(v0("ok"), "a")]),
    error: /repeated pax key 'path'/,
  },
  { name: "pax size not a number", archive: () => gz([pax({ size: "12x" }), file(v0("ok"), "a")]), error: /invalid pax size/ },
  { name: "pax path with a NUL", archive: () => gz([pax({ path: `${v0("a")}\0/../../x` }), file(v0("ok"), "a")]), error: /NUL character/ },
  {
    name: "two pax headers for one entry",
    archive: () => gz([pax({ mtime: "1" }), pax({ path: v0("b") }), file(v0("ok"), "a")]),
    error: /two pax headers for one entry/,
  },
  {
    name: "pax header at the end of the archive",
    archive: () => gz([pax({ path: v0("x") })]),
    error: /extended header is not followed by an entry/,
  },
  {
    name: "pax size hiding a smuggled header in file data",
    archive: () => gz([pax({ size: "0" }), file(v0("x"), concat(smuggled, Buffer.alloc(BLOCK)))]),
    error: /'volumes\/0\/\.\.\/evil': path contains a '\.\.' segment/,
  },
  // GNU long names
  {
    name: "GNU long name with '..'",
    archive: () => gz([gnuLong(v0("../../x")), file(v0("short"), "a")]),
    error: /'volumes\/0\/\.\.\/\.\.\/x': path contains a '\.\.' segment/,
  },
  {
    name: "GNU long name too large",
    archive: () => gz([gnuLong(v0("a".repeat(70_000))), file(v0("x"), "a")]),
    error: /GNU long-name record too large/,
  },
  {
    name: "GNU long name not NUL-terminated",
    archive: () => gz([record({ name: "././@LongLink", type: "L" }, v0("x")), file(v0("y"), "a")]),
    error: /not NUL-terminated/,
  },
  {
    name: "GNU long name with an inner NUL",
    archive: () => gz([gnuLong(`${v0("a")}\0../../x`), file(v0("y"), "a")]),
    error: /NUL character/,
  },
  {
    name: "GNU long link",
    archive: () => gz([gnuLong("/etc/passwd", "K"), file(v0("y"), "a")]),
    error: /GNU long-link records are not allowed|link target set on a non-link entry/,
  },
  {
    name: "pax path and GNU long name together",
    archive: () => gz([pax({ path: v0("a") }), gnuLong(v0("b")), file(v0("c"), "a")]),
    error: /both a pax path and a GNU long name/,
  },
  {
    name: "v7 header without ustar magic",
    archive: () => gz([file(v0("x"), "a", { magic: "\0\0\0\0\0\0\0\0" })]),
    error: /not a POSIX ustar header/,
  },
  // Uniqueness
  { name: "duplicate file", archive: () => gz([file(v0("a"), "1"), file(v0("a"), "2")]), error: /entry 3 'volumes\/0\/a': duplicate path/ },
  { name: "duplicate directory", archive: () => gz([dir(v0("d/")), dir(v0("d/"))]), error: /duplicate path/ },
  { name: "directory with and without trailing slash", archive: () => gz([dir(v0("d")), dir(v0("d/"))]), error: /duplicate path/ },
  { name: "file then directory of the same path", archive: () => gz([file(v0("a"), "1"), dir(v0("a/"))]), error: /file\/directory clash/ },
  { name: "directory then file of the same path", archive: () => gz([dir(v0("a/")), file(v0("a"), "1")]), error: /file\/directory clash/ },
  {
    name: "file then an entry under it",
    archive: () => gz([file(v0("a"), "1"), file(v0("a/b"), "2")]),
    error: /file\/directory clash: 'volumes\/0\/a' is a file/,
  },
  {
    name: "entry under a path, then a file at that path",
    archive: () => gz([file(v0("a/b"), "2"), file(v0("a"), "1")]),
    error: /file\/directory clash/,
  },
  {
    name: "NFC/NFD twin files",
    archive: () => gz([file(v0(nfc), "1"), file(v0(nfd), "2")]),
    error: /Unicode normalization twin of 'volumes\/0\/café'/,
  },
  {
    name: "NFC/NFD twin parent directories",
    archive: () => gz([file(v0(`${nfc}/a`), "1"), file(v0(`${nfd}/b`), "2")]),
    error: /Unicode normalization twin/,
  },
  // Tar structure
  { name: "bad header checksum", archive: () => gz([file(v0("a"), "x", { checksum: "invalid" })]), error: /entry 2: bad header checksum/ },
  {
    name: "bad checksum on the manifest",
    archive: () => gzip(concat(record({ name: "berth-manifest.json", checksum: "invalid" }, JSON.stringify(manifestObject())), END)),
    error: /entry 1: bad header checksum/,
  },
  {
    name: "truncated in file data",
    archive: () => gzip(truncate(snapshotTar([file(v0("a"), "x".repeat(2000))], { end: false }), 2 * BLOCK + 1024 + 100)),
    error: /entry 2 'volumes\/0\/a': truncated data/,
  },
  {
    name: "truncated in a header",
    archive: () => gzip(truncate(snapshotTar([dir(v0("")), file(v0("a"), "x")]), 3 * BLOCK + 200)),
    error: /truncated tar header/,
  },
  { name: "no end-of-archive marker", archive: () => gz([dir(v0(""))], { end: false }), error: /no end-of-archive marker/ },
  {
    name: "only one zero block at the end",
    archive: () => gzip(concat(snapshotTar([dir(v0(""))], { end: false }), Buffer.alloc(BLOCK))),
    error: /no end-of-archive marker/,
  },
  {
    name: "size in header bigger than the data",
    archive: () => gz([file(v0("a"), "abc", { size: 4096 }), dir(v0("d/"))]),
    error: /truncated data|bad header checksum/,
  },
  { name: "malformed size field", archive: () => gz([file(v0("a"), "x", { sizeField: "0000000001x\0" })]), error: /invalid size field/ },
  {
    name: "negative base-256 size",
    archive: () => gz([file(v0("a"), "x", { sizeField: Buffer.alloc(12, 0xff) })]),
    error: /invalid size field/,
  },
  { name: "zero block in the middle", archive: () => gz([Buffer.alloc(BLOCK), file(v0("a"), "x")]), error: /zero block in the middle/ },
  {
    name: "trailing data after the tar end",
    archive: () => gzip(concat(snapshotTar([dir(v0(""))]), "hidden payload")),
    error: /trailing data after the end-of-archive marker/,
  },
  // Gzip
  { name: "plain tar (not gzip)", archive: () => snapshotTar([dir(v0(""))]), error: /not a gzip archive/ },
  { name: "zip file", archive: () => concat(Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100)), error: /not a gzip archive/ },
  { name: "zstd frame", archive: () => concat(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(100)), error: /not a gzip archive/ },
  {
    name: "gzip magic with another method",
    archive: () => concat(Buffer.from([0x1f, 0x8b, 0x07]), Buffer.alloc(100)),
    error: /not a gzip archive/,
  },
  { name: "empty input", archive: () => Buffer.alloc(0), error: /not a gzip archive/ },
  { name: "two bytes of gzip magic only", archive: () => Buffer.from([0x1f, 0x8b]), error: /not a gzip archive/ },
  { name: "truncated gzip", archive: () => truncate(gzOk(), gzOk().length - 10), error: /truncated gzip stream/ },
  { name: "bad gzip CRC", archive: () => flipByte(gzOk(), -6), error: /gzip CRC mismatch/ },
  { name: "bad gzip length", archive: () => flipByte(gzOk(), -2), error: /gzip length mismatch/ },
  { name: "garbage after the gzip stream", archive: () => concat(gzOk(), "garbage"), error: /trailing data after/ },
  {
    name: "zero bytes after the gzip stream",
    archive: () => concat(gzOk(), Buffer.alloc(16)),
    error: /trailing data after the gzip stream/,
  },
  {
    name: "zeros then garbage after the gzip stream",
    archive: () => concat(gzOk(), Buffer.alloc(3), "junk"),
    error: /trailing data after the gzip stream/,
  },
  {
    name: "zeros then a gzip member",
    archive: () => concat(gzOk(), Buffer.alloc(1), gzipSync(Buffer.alloc(BLOCK))),
    error: /trailing data after the gzip stream/,
  },
  // Manifest
  {
    name: "manifest missing",
    archive: () => gzip(concat(dir(v0("")), END)),
    error: /entry 1 'volumes\/0\/': first entry must be berth-manifest\.json/,
  },
  {
    name: "manifest not first",
    archive: () => gzip(concat(dir(v0("")), manifestRecord(manifestObject()), END)),
    error: /first entry must be berth-manifest\.json/,
  },
  {
    name: "manifest behind a pax header renaming it",
    archive: () => gzip(concat(pax({ path: v0("x") }), manifestRecord(manifestObject()), END)),
    error: /first entry must be berth-manifest\.json/,
  },
  {
    name: "manifest as a directory",
    archive: () => gzip(concat(record({ name: "berth-manifest.json", type: "5" }), END)),
    error: /first entry must be berth-manifest\.json/,
  },
  {
    name: "manifest name with a ustar prefix",
    archive: () => gzip(concat(file("berth-manifest.json", JSON.stringify(manifestObject()), { prefix: "x" }), END)),
    error: /first entry must be berth-manifest\.json/,
  },
  { name: "empty tar", archive: () => gzip(END), error: /first entry must be berth-manifest\.json \(the archive is empty\)/ },
  {
    name: "manifest not JSON",
    archive: () => gzip(concat(manifestRecord("{not json"), END)),
    error: /entry 1 'berth-manifest\.json': manifest is not valid UTF-8 JSON/,
  },
  {
    name: "manifest wrong format",
    archive: () => gzip(concat(manifestRecord(manifestObject({ format: "other" })), END)),
    error: /manifest format is not 'berth-snapshot'/,
  },
  {
    name: "manifest wrong version",
    archive: () => gzip(concat(manifestRecord(manifestObject({ version: 3 })), END)),
    error: /unsupported manifest version/,
  },
  {
    name: "manifest missing fields",
    archive: () => gzip(concat(manifestRecord({ format: "berth-snapshot", version: 1 }), END)),
    error: /manifest is invalid: snapshotId/,
  },
  {
    name: "manifest with a duplicate volume index",
    archive: () =>
      gzip(
        concat(
          manifestRecord(
            manifestObject({
              volumes: [0, 0].map((index, i) => ({ index, target: `/t${i}`, scope: "project", source: "s", files: 0, bytes: 0 })),
            }),
          ),
          END,
        ),
      ),
    error: /duplicate volume index/,
  },
  {
    name: "manifest too large",
    archive: () => gzip(concat(manifestRecord(" ".repeat(1024 * 1024 + 1)), END)),
    error: /manifest too large/,
  },
  {
    name: "second manifest later",
    archive: () => gz([manifestRecord(manifestObject())]),
    error: /entry 2 'berth-manifest\.json': entry is outside volumes\/<index>\//,
  },
  // Placement
  {
    name: "volume index out of bounds",
    archive: () => gz([file("volumes/5/x", "a")]),
    error: /entry 2 'volumes\/5\/x': volume index 5 is not in the manifest/,
  },
  { name: "non-numeric volume index", archive: () => gz([file("volumes/a/x", "a")]), error: /volume index 'a' is not a decimal integer/ },
  {
    name: "volume index with a leading zero",
    archive: () => gz([file("volumes/01/x", "a")]),
    error: /volume index '01' is not a decimal integer/,
  },
  { name: "huge volume index", archive: () => gz([file("volumes/99999999999999999999/x", "a")]), error: /not a decimal integer/ },
  { name: "entry outside volumes/", archive: () => gz([file("data/x", "a")]), error: /entry is outside volumes\/<index>\// },
  { name: "file named 'volumes'", archive: () => gz([file("volumes", "a")]), error: /entry is outside volumes\/<index>\// },
  {
    name: "volumes/ directory with a link target",
    archive: () => gz([dir("volumes/", { linkname: "/etc" })]),
    error: /link target set on a non-link entry/,
  },
  { name: "file as a volume root", archive: () => gz([file("volumes/0", "a")]), error: /a volume root must be a directory/ },
  // Caps
  {
    name: "too many entries",
    archive: () => gz([dir(v0("")), dir(v0("a/")), dir(v0("b/"))]),
    limits: { maxEntries: 3 },
    error: /entry 4 'volumes\/0\/b\/': too many entries \(limit 3\)/,
  },
  {
    name: "path too deep",
    archive: () => gz([dir(v0("a/b/c/"))]),
    limits: { maxPathDepth: 4 },
    error: /path is too deep \(limit 4 segments\)/,
  },
  {
    name: "path too long",
    archive: () => gz([file(v0("abcdefghijkl"), "a")]),
    limits: { maxPathLength: 20 },
    error: /path is too long \(limit 20 bytes\)/,
  },
  {
    name: "total bytes over the cap",
    archive: () => gz([file(v0("big"), "x".repeat(5000))]),
    limits: { maxTotalBytes: 4096 },
    error: /exceeds the limit of 4096 uncompressed bytes/,
  },
  {
    name: "decompression ratio over the cap",
    archive: () => gz([file(v0("zeros"), Buffer.alloc(200_000))]),
    limits: { maxDecompressionRatio: 10, decompressionAllowanceBytes: 0 },
    error: /decompression ratio exceeds 10:1/,
  },
  {
    name: "more data than the manifest declares",
    archive: () =>
      gz([file(v0("a"), "12345")], {
        manifest: { volumes: [{ index: 0, target: "/d", scope: "project", source: "d", files: 1, bytes: 2 }] },
      }),
    error: /entry 2 'volumes\/0\/a': volume 0 holds more than its manifest declares/,
  },
  {
    name: "less data than the manifest declares",
    archive: () =>
      gz([file(v0("a"), "12345")], {
        manifest: { volumes: [{ index: 0, target: "/d", scope: "project", source: "d", files: 2, bytes: 10 }] },
      }),
    error: /volume 0: the manifest declares 2 files \/ 10 bytes but the archive holds 1 \/ 5/,
  },
];

describe("strict reader: adversarial corpus", () => {
  it("has a case for every rule", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
  });

  // The v2 link and sparse cases of the shared corpus, here in small unaligned chunks too (a
  // sparse map or a long link target split across reads). The reader touches no files, so the
  // trap dir only has to be a name.
  const v2Classes = new Set(["under-symlink", "hardlink", "duplicate", "link-target", "pax-link", "sparse"]);
  const v2Cases = MALICIOUS_ARCHIVES.filter((a) => v2Classes.has(a.class));
  it("covers the shared corpus's link and sparse cases", () => expect(v2Cases.length).toBeGreaterThanOrEqual(90));
  it.each(v2Cases)("rejects [$class] $name", async ({ build, expectedError }) => {
    const bytes = build({ trapDir: "/nonexistent/berth-trap" });
    expect((await rejection(bytes)).message).toMatch(expectedError);
    expect((await rejection(bytes, { chunk: 97 })).message).toMatch(expectedError);
  });

  it.each(corpus)("rejects: $name", async ({ archive, error, limits }) => {
    const bytes = archive();
    const err = await rejection(bytes, { limits });
    expect(err.message).toMatch(error);
    // Same verdict when the input arrives in small, unaligned pieces.
    const chunked = await rejection(bytes, { limits, chunk: 97 });
    expect(chunked.message).toMatch(error);
  });

  it("stops a zip bomb early (1 GiB of undeclared zeros in ~1 MiB of gzip, default limits)", async () => {
    // Zeros after the end-of-archive marker are legal padding, but nothing in the manifest
    // accounts for them, so the ratio cap applies to them.
    const zerosMember = gzipSync(Buffer.alloc(1024 * 1024), { level: 9 }); // ~1 KiB each
    const head = gzip(snapshotTar([file(v0("small"), "x")], { volumes: 1 }));
    const members = 1024;
    let pulled = 0;
    const input = Readable.from(
      (function* () {
        yield head;
        for (let i = 0; i < members; i++) {
          pulled += zerosMember.length;
          yield zerosMember;
        }
      })(),
    );
    const started = Date.now();
    const err = await readSnapshotArchive(input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArchiveRejectedError);
    expect((err as Error).message).toMatch(/decompression ratio exceeds 200:1/);
    // Rejected after roughly 200 × compressed + 64 MiB, far from the 1 GiB it would inflate to.
    expect(pulled).toBeLessThan((members * zerosMember.length) / 4);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("refuses at once an entry larger than its manifest declares (a lying header cannot inflate)", async () => {
    const size = 1024 * 1024 * 1024;
    const volumes = [{ index: 0, target: "/d", scope: "project", source: "d", files: 1, bytes: 10 }];
    const archive = gzip(snapshotTar([file(v0("bomb"), Buffer.alloc(0), { size })], { end: false, manifest: { volumes } }));
    const err = await readSnapshotArchive(Readable.from([archive])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArchiveRejectedError);
    expect((err as Error).message).toMatch(/entry 2 'volumes\/0\/bomb': volume 0 holds more than its manifest declares/);
  });
});

describe("strict reader: accepted archives", () => {
  it("reports entries with masked modes, clamped mtimes and no owners", async () => {
    const future = 0o77777777777;
    const archive = gz([
      dir(v0(""), { mode: 0o1777 }),
      file(v0("setuid"), "abc", { mode: 0o4755 }),
      file(v0("future"), "", { mtime: future }),
      file(v0("old"), "", { mtime: 0 }),
      dir("volumes/1"),
    ]);
    const { entries, bytes, manifest } = await read(archive);
    expect(manifest.volumes.map((v) => v.index)).toEqual([0, 1]);
    expect(bytes).toBe(3);
    expect(entries.map((e) => [e.volumeIndex, e.relativePath, e.kind, e.mode.toString(8), e.size])).toEqual([
      [0, "", "directory", "777", 0],
      [0, "setuid", "file", "755", 3],
      [0, "future", "file", "644", 0],
      [0, "old", "file", "644", 0],
      [1, "", "directory", "755", 0],
    ]);
    expect(entries[2]!.mtime.getTime()).toBeLessThanOrEqual(Date.now() + 24 * 3600 * 1000);
    expect(entries[3]!.mtime.getTime()).toBe(0);
    expect(entries[1]!.data).toBe("abc");
    expect(Object.keys(entries[1]!)).not.toContain("uid");
  });

  it("clamps a pre-1970 (negative base-256) mtime to the epoch", async () => {
    const block = header({ name: v0("ancient"), size: 0 });
    Buffer.alloc(12, 0xff).copy(block, 136);
    const sum = [...block].reduce((s, b, i) => s + (i >= 148 && i < 156 ? 0x20 : b), 0);
    block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "latin1");
    const { entries } = await read(gz([block]));
    expect(entries[0]!.mtime.getTime()).toBe(0);
  });

  it("accepts long paths via pax and GNU long names, non-ASCII included", async () => {
    const longPax = v0(`${"д".repeat(80)}/${"x".repeat(150)}.txt`);
    const longGnu = v0(`${"g".repeat(120)}/${"日".repeat(50)}.txt`);
    const archive = gz([
      pax({ path: longPax, mtime: "1700000000.5" }),
      file(v0("placeholder"), "pax"),
      gnuLong(longGnu),
      file(v0("placeholder2"), "gnu"),
    ]);
    const { entries } = await read(archive);
    expect(entries.map((e) => [e.relativePath, e.data])).toEqual([
      [longPax.slice("volumes/0/".length), "pax"],
      [longGnu.slice("volumes/0/".length), "gnu"],
    ]);
    expect(entries[0]!.mtime.getTime()).toBe(1_700_000_000_500);
  });

  it("keeps a long non-ASCII pax path intact however the input is chunked", async () => {
    // node-tar alone silently drops this pax record when a chunk boundary splits a
    // multibyte character (e.g. at 1301 bytes) and the entry gets the placeholder name.
    // 1400 bytes in 100-byte names: long, yet within the 255-byte limit per name.
    const long = v0(Array.from({ length: 7 }, () => "д".repeat(100)).join("/"));
    const archive = snapshotTar([pax({ path: long }), file(v0("placeholder"), "x")]);
    for (const chunk of [700, 1301, 1302, 1303, 4096]) {
      const { entries } = await read(gzipMembers(...chunks(archive, chunk)), { chunk: 61 });
      expect(
        entries.map((e) => e.relativePath),
        `chunk ${chunk}`,
      ).toEqual([long.slice("volumes/0/".length)]);
    }
  });

  it("accepts GNU-format headers, directories listed after their contents, and zero padding after the end", async () => {
    const archive = gzip(concat(snapshotTar([file(v0("d/a"), "1", { magic: "ustar  \0" }), dir(v0("d"))]), Buffer.alloc(10 * BLOCK)));
    const { entries } = await read(archive, { chunk: 1000 });
    expect(entries.map((e) => e.relativePath)).toEqual(["d/a", "d"]);
  });

  it("accepts a multi-member gzip, split anywhere", async () => {
    const tar = snapshotTar([dir(v0("")), file(v0("a"), "x".repeat(3000)), file(v0("b"), "y".repeat(10))]);
    for (const cut of [1, BLOCK, 1000, tar.length - 1]) {
      const { entries } = await read(gzipMembers(tar.subarray(0, cut), Buffer.alloc(0), tar.subarray(cut)));
      expect(entries.map((e) => [e.relativePath, e.data?.length ?? null])).toEqual([
        ["", null],
        ["a", 3000],
        ["b", 10],
      ]);
    }
  });

  it("validates without onEntry (import's pass) and drains bodies onEntry leaves unread", async () => {
    const archive = gz([dir(v0("")), file(v0("a"), "x".repeat(100_000)), file(v0("b"), "y")]);
    const plain = await readSnapshotArchive(Readable.from([archive]));
    expect([plain.entries, plain.bytes]).toEqual([3, 100_001]);
    const seen: string[] = [];
    const lazy = await readSnapshotArchive(Readable.from([archive]), {
      onEntry: async (entry) => {
        seen.push(entry.relativePath);
      },
    });
    expect(seen).toEqual(["", "a", "b"]);
    expect(lazy.bytes).toBe(100_001);
  });

  it("stops and rejects with the error onEntry throws", async () => {
    const archive = gz([dir(v0("")), file(v0("a"), "1"), file(v0("b"), "2")]);
    const boom = new Error("disk full");
    const seen: string[] = [];
    await expect(
      readSnapshotArchive(Readable.from([archive]), {
        onEntry: async (entry) => {
          seen.push(entry.relativePath);
          if (entry.relativePath === "a") throw boom;
        },
      }),
    ).rejects.toBe(boom);
    expect(seen).toEqual(["", "a"]);
  });

  it("rejects an archive whose problem comes after entries were handed out", async () => {
    const archive = gz([dir(v0("")), file(v0("a"), "1"), file(v0("../x"), "2")]);
    const seen: string[] = [];
    const err = await readSnapshotArchive(Readable.from([archive]), { onEntry: async (e) => void seen.push(e.relativePath) }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ArchiveRejectedError);
    expect(seen).not.toContain("../x");
  });
});

describe("strict reader: v2 entries (links, owners, special bits, sparse files)", () => {
  const fields = (e: ArchiveEntry) => [e.volumeIndex, e.relativePath, e.kind, e.mode.toString(8), e.uid, e.gid, e.linkTarget ?? null];

  it("hands out owners by number, full modes, nanosecond mtimes and link targets", async () => {
    const archive = gz2([
      dir(v0(""), { mode: 0o700, uid: 999, gid: 999 }),
      file(v0("pg.conf"), "conf", { mode: 0o600, uid: 999, gid: 999, uname: "mallory", gname: "wheel" }),
      dir(v0("www/"), { mode: 0o3775, uid: 33, gid: 33 }),
      file(v0("www/suid"), "s", { mode: 0o4755 }),
      file(v0("www/sgid"), "g", { mode: 0o2711, uid: 5, gid: 6 }),
      pax({ uid: "3000000", gid: "4000000", uname: "root", mtime: "1700000000.123456789" }),
      file(v0("big-ids"), "b"),
      symlink(v0("abs"), "/etc/passwd", { uid: 70, gid: 71 }),
      symlink(v0("rel"), "../../outside"),
      hardlink(v0("again"), v0("pg.conf"), { uid: 999, gid: 999 }),
      dir(v1("")),
    ]);
    const { entries } = await read(archive);
    expect(entries.map(fields)).toEqual([
      [0, "", "directory", "700", 999, 999, null],
      [0, "pg.conf", "file", "600", 999, 999, null],
      [0, "www", "directory", "3775", 33, 33, null],
      [0, "www/suid", "file", "4755", 0, 0, null],
      [0, "www/sgid", "file", "2711", 5, 6, null],
      [0, "big-ids", "file", "644", 3_000_000, 4_000_000, null],
      [0, "abs", "symlink", "777", 70, 71, "/etc/passwd"],
      [0, "rel", "symlink", "777", 0, 0, "../../outside"],
      [0, "again", "hardlink", "644", 999, 999, "pg.conf"],
      [1, "", "directory", "755", 0, 0, null],
    ]);
    expect(entries[5]!.mtimeNs).toBe(1_700_000_000_123_456_789n);
    expect(entries[5]!.mtime.getTime()).toBe(1_700_000_000_123);
    expect(entries.filter((e) => e.kind === "symlink" || e.kind === "hardlink").map((e) => e.data)).toEqual([null, null, null]);
  });

  // Every archive of the corpus read twice, once fed 97 bytes at a time: seconds of work, more
  // than unit tests' default 5 s when the other test files share the machine's two cores.
  it("accepts every valid link archive of the corpus, each link with its exact target", { timeout: 30_000 }, async () => {
    const ctx = { trapDir: "/nonexistent/berth-trap" };
    for (const item of LINK_ARCHIVES) {
      for (const chunk of [undefined, 97]) {
        const { entries } = await read(item.build(ctx), { chunk });
        const links = (kind: string) =>
          entries.filter((e) => e.kind === kind).map((e) => ({ volume: e.volumeIndex, path: e.relativePath, target: e.linkTarget }));
        expect(links("symlink"), item.name).toEqual(item.symlinks(ctx));
        expect(links("hardlink"), item.name).toEqual(item.hardlinks);
      }
    }
  });

  it("reads a sparse file's map, however the input is chunked, and hands out only its data segments", async () => {
    const map: [number, number][] = [
      [4096, 512],
      [32768, 1024],
      [65536, 0],
    ];
    const archive = gz2([
      dir(v0("")),
      ...sparseFile({ name: v0("holes.bin"), realSize: 65536, map }),
      ...sparseFile({ name: v0("all-hole"), realSize: 1 << 20, map: [[1 << 20, 0]] }),
      file(v0("after"), "after"),
    ]);
    for (const chunk of [undefined, 1, 97, 511, 513]) {
      const { entries } = await read(archive, { chunk });
      expect(
        entries.map((e) => [e.relativePath, e.kind, e.sparse ?? null, e.data?.length ?? null]),
        `chunk ${chunk}`,
      ).toEqual([
        ["", "directory", null, null],
        [
          "holes.bin",
          "file",
          {
            realSize: 65536,
            segments: [
              [4096, 512],
              [32768, 1024],
            ],
          },
          1536,
        ],
        ["all-hole", "file", { realSize: 1 << 20, segments: [] }, 0],
        ["after", "file", null, 5],
      ]);
    }
  });

  it("v1 archives keep their old rules: modes masked to 0o777, owners not taken from the headers", async () => {
    const { entries } = await read(gz([file(v0("suid"), "x", { mode: 0o6755, uid: 999, gid: 999 })]));
    expect(entries.map((e) => [e.mode.toString(8), e.uid ?? 0, e.gid ?? 0])).toEqual([["755", 0, 0]]);
  });
});
