import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { dir, file, gzip, pax, snapshotTar } from "../../support/archive-builder";
import type { ArchiveLimits } from "~/server/engine/archive/limits";
import { readSnapshotArchive } from "~/server/engine/archive/strict-reader";

// The uniqueness rules with paths long enough to be kept as digests (more than 32
// characters), and the cap on directories that no entry lists.
const v0 = (p: string) => `volumes/0/${p}`;
const long = (name: string) => `${name}-${"x".repeat(40)}`;
const nfc = "caf\u00e9";
const nfd = "cafe\u0301";
// Paths over 100 bytes need a pax record, as a real writer emits them.
const entry = (kind: "file" | "dir", path: string, data = "") => [
  pax({ path }),
  kind === "file" ? file("placeholder", data) : dir("placeholder"),
];

/** The manifest declares what the parts hold (the builder's own count sees no pax paths). */
function read(parts: Buffer[], limits?: Partial<ArchiveLimits>) {
  const files = parts.filter((p) => p[156] === 0x30);
  const bytes = files.reduce((sum, p) => sum + parseInt(p.toString("latin1", 124, 135), 8), 0);
  const volumes = [{ index: 0, target: "/data0", scope: "project", source: "vol0", files: files.length, bytes }];
  return readSnapshotArchive(Readable.from([gzip(snapshotTar(parts, { manifest: { volumes } }))]), { limits });
}

describe("strict reader path bookkeeping", () => {
  const deep = v0(`${long("a")}/${long("b")}/${long("c")}`);
  it.each([
    { name: "duplicate long file", parts: [...entry("file", deep, "1"), ...entry("file", deep, "2")], error: /duplicate path/ },
    { name: "duplicate long directory", parts: [...entry("dir", `${deep}/`), ...entry("dir", `${deep}/`)], error: /duplicate path/ },
    {
      name: "long file, then a long directory at its path",
      parts: [...entry("file", deep, "1"), ...entry("dir", `${deep}/`)],
      error: /file\/directory clash with an earlier entry/,
    },
    {
      name: "entry under a long file",
      parts: [...entry("file", deep, "1"), ...entry("file", `${deep}/${long("d")}`, "2")],
      error: new RegExp(`file/directory clash: '${deep}' is a file`),
    },
    {
      name: "long file where earlier entries implied a directory",
      parts: [...entry("file", `${deep}/${long("d")}`, "2"), ...entry("file", deep, "1")],
      error: /earlier entries are inside it/,
    },
    {
      name: "NFD spelling first, NFC twin second, deep below the twin",
      parts: [
        ...entry("file", v0(`${long(nfd)}/${long("a")}/${long("b")}`), "1"),
        ...entry("file", v0(`${long(nfc)}/${long("a")}/${long("b")}`), "2"),
      ],
      // The shallowest prefix spelled otherwise is named, as the check from the top names it.
      error: new RegExp(`Unicode normalization twin of '${v0(long(nfc))}'$`),
    },
    {
      name: "NFC spelling first, NFD twin of a parent",
      parts: [...entry("file", v0(`${long(nfc)}/${long("a")}`), "1"), ...entry("file", v0(`${long(nfd)}/${long("b")}`), "2")],
      error: new RegExp(`Unicode normalization twin of '${v0(long(nfc))}'$`),
    },
  ])("refuses: $name", async ({ parts, error }) => {
    await expect(read(parts)).rejects.toThrow(error);
  });

  it("accepts the same long directory listed after its content, once", async () => {
    const result = await read([
      ...entry("file", `${deep}/${long("f")}`, "1"),
      ...entry("dir", `${deep}/`),
      ...entry("dir", v0(`${long("a")}/`)),
    ]);
    expect(result.entries).toBe(3);
  });

  it("accepts respelled names that are not twins", async () => {
    const result = await read([
      ...entry("file", v0(`${long(nfd)}/${long("a")}`), "1"),
      ...entry("file", v0(`${long(nfd)}/${long("b")}`), "2"),
    ]);
    expect(result.entries).toBe(2);
  });

  it("refuses an archive whose paths imply too many directories without entries", async () => {
    const parts = Array.from({ length: 3 }, (_, i) => file(v0(`${i}/a/b/c/f`), "x"));
    // volumes, volumes/0, then 0, 0/a, 0/b, 0/c for the first file: 6 directories.
    await expect(read(parts.slice(0, 1), { maxImpliedDirectories: 6 })).resolves.toMatchObject({ entries: 1 });
    await expect(read(parts, { maxImpliedDirectories: 10 })).rejects.toThrow(
      /entry 4 'volumes\/0\/2\/a\/b\/c\/f': too many directories without entries of their own \(limit 10\)/,
    );
  });
});
