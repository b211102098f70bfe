// Compares two describeTree() results aspect by aspect, one soft expect per aspect: a failure
// names the aspect (owners, modes, links, ...), shows the paths that differ in it, and the
// other aspects are still checked and reported.
import { expect } from "vitest";
import type { EntryRecord, TreeDescription } from "./metadata-fixture";

export const ASPECTS = ["types", "owners", "modes", "sizes", "contents", "symlink targets"] as const;
export type Aspect = (typeof ASPECTS)[number];

const pick: Record<Aspect, (e: EntryRecord) => string | number | undefined> = {
  types: (e) => e.type,
  owners: (e) => `${e.uid}:${e.gid}`,
  modes: (e) => `0${e.mode.toString(8).padStart(4, "0")}`,
  sizes: (e) => e.size,
  contents: (e) => e.sha256,
  "symlink targets": (e) => e.target,
};

/** path → that aspect's value, for the entries that have it. */
export function aspectOf(tree: TreeDescription, aspect: Aspect): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [p, e] of Object.entries(tree.entries)) {
    const v = pick[aspect](e);
    if (v !== undefined) out[p] = v;
  }
  return out;
}

export type MtimePrecision = "ns" | "us" | "s";

/**
 * Entries present in both trees whose mtimes differ at the given precision. "us" allows
 * ±1 µs: Node's utimes takes seconds as a double (about 0.2 µs resolution today), so an
 * mtime applied with microsecond precision can land just below a microsecond boundary and
 * floor(ns / 1000) then differs by one. "s": whole seconds (GNU tar's default gnu format).
 */
export function mtimeMismatches(actual: TreeDescription, expected: TreeDescription, precision: MtimePrecision): string[] {
  const out: string[] = [];
  for (const [p, e] of Object.entries(expected.entries)) {
    const a = actual.entries[p];
    if (!a) continue;
    const want = BigInt(e.mtimeNs);
    const got = BigInt(a.mtimeNs);
    const ok =
      precision === "ns"
        ? got === want
        : precision === "us"
          ? got / 1000n - want / 1000n <= 1n && want / 1000n - got / 1000n <= 1n
          : got / 1_000_000_000n === want / 1_000_000_000n;
    if (!ok) out.push(`${p}: ${a.mtimeNs} (expected ${e.mtimeNs})`);
  }
  return out;
}

/** Regular files whose st_blocks in `actual` exceed the reference's (holes filled in). */
export function blocksAbove(actual: TreeDescription, reference: TreeDescription): string[] {
  const out: string[] = [];
  for (const [p, r] of Object.entries(reference.entries)) {
    const a = actual.entries[p];
    if (r.type === "file" && a?.type === "file" && a.blocks! > r.blocks!) out.push(`${p}: ${a.blocks} blocks (reference ${r.blocks})`);
  }
  return out;
}

export interface SameTreeOptions {
  mtimes: MtimePrecision;
  /** st_blocks of every file must be ≤ this tree's (GNU tar -S's round trip). */
  blocksAtMost?: TreeDescription;
  /** Aspects not compared (each caller says why). */
  skip?: (Aspect | "hardlinks" | "mtimes")[];
}

/** One soft expect per aspect: `actual` must equal `expected` in each (the test fails if any differs). */
export function expectSameTree(label: string, actual: TreeDescription, expected: TreeDescription, options: SameTreeOptions): void {
  const skip = new Set(options.skip ?? []);
  for (const aspect of ASPECTS) {
    if (!skip.has(aspect)) expect.soft(aspectOf(actual, aspect), `${label}: ${aspect}`).toEqual(aspectOf(expected, aspect));
  }
  if (!skip.has("hardlinks")) expect.soft(actual.hardlinkGroups, `${label}: hardlink groups`).toEqual(expected.hardlinkGroups);
  if (!skip.has("mtimes"))
    expect.soft(mtimeMismatches(actual, expected, options.mtimes), `${label}: mtimes (${options.mtimes})`).toEqual([]);
  if (options.blocksAtMost) expect.soft(blocksAbove(actual, options.blocksAtMost), `${label}: st_blocks ≤ GNU tar -S`).toEqual([]);
}

/** A copy of `tree` without the given paths (and with no hardlink group naming them). */
export function without(tree: TreeDescription, ...paths: string[]): TreeDescription {
  const drop = new Set(paths);
  return {
    entries: Object.fromEntries(Object.entries(tree.entries).filter(([p]) => !drop.has(p))),
    hardlinkGroups: tree.hardlinkGroups.map((g) => g.filter((p) => !drop.has(p))).filter((g) => g.length > 1),
  };
}

/** A copy of `tree` with some entries' modes replaced. */
export function withModes(tree: TreeDescription, modes: Record<string, number>): TreeDescription {
  const entries = Object.fromEntries(Object.entries(tree.entries).map(([p, e]) => [p, p in modes ? { ...e, mode: modes[p]! } : e]));
  return { entries, hardlinkGroups: tree.hardlinkGroups };
}
