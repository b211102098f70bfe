// Issue 12: the small pure pieces behind the special-bits UI (src/components/snapshots/options.ts):
// what the import dialog posts to, when the restore dialog warns, and what the outcome lists.
import { describe, expect, it } from "vitest";
import { importUrl, type RestoreResultView, strippedSpecialBits, stripsSpecialBits } from "~/components/snapshots/options";

const result = (extra: object): RestoreResultView =>
  ({ restoreRunId: "r", preRestoreSnapshotId: null, restored: ["/data"], untouched: [], ...extra }) as unknown as RestoreResultView;

describe("special permission bits in the snapshot UI", () => {
  it("the import URL carries keepSpecialBits=1 only when the box is ticked", () => {
    expect(importUrl("w 1")).toBe("/api/workloads/w%201/snapshots/import");
    expect(importUrl("w", { keepSpecialBits: false })).toBe("/api/workloads/w/snapshots/import");
    expect(importUrl("w", { keepSpecialBits: true })).toBe("/api/workloads/w/snapshots/import?keepSpecialBits=1");
  });

  it("the restore dialog warns for imports not marked as trusted, and only for them", () => {
    expect(stripsSpecialBits({ kind: "imported", keepSpecialBits: false })).toBe(true);
    expect(stripsSpecialBits({ kind: "imported" })).toBe(true);
    expect(stripsSpecialBits({ kind: "imported", keepSpecialBits: true })).toBe(false);
    for (const kind of ["manual", "scheduled", "pre-restore"]) expect(stripsSpecialBits({ kind }), kind).toBe(false);
  });

  it("the outcome lists the stripped files and counts the ones the server did not list", () => {
    expect(strippedSpecialBits(result({}))).toBeNull();
    expect(strippedSpecialBits(result({ strippedSpecialBits: { count: 0, paths: [] } }))).toBeNull();
    expect(strippedSpecialBits(result({ strippedSpecialBits: { count: 2, paths: ["/data/a", "/data/b"] } }))).toEqual({
      count: 2,
      paths: ["/data/a", "/data/b"],
      unlisted: 0,
    });
    const paths = Array.from({ length: 100 }, (_, i) => `/data/f${i}`);
    expect(strippedSpecialBits(result({ strippedSpecialBits: { count: 250, paths } }))).toMatchObject({ count: 250, unlisted: 150 });
  });
});
