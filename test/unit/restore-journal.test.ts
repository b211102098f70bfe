import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createJournal,
  decodeRecords,
  encodeRecord,
  journalState,
  listJournals,
  stoppedWith,
  type JournalRecord,
} from "~/server/engine/restore/journal";
import { preRestoreLabel } from "~/server/engine/restore/restore";

let dataDir: string;
beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-journal-"));
});
afterAll(() => fs.rm(dataDir, { recursive: true, force: true }));

const intent = (restoreId: string): Extract<JournalRecord, { type: "INTENT" }> => ({
  type: "INTENT",
  restoreId,
  workloadId: "w1",
  snapshotId: "s1",
  preRestoreSnapshotId: "s0",
  volumes: [{ target: "/data", live: "/v/data", staged: "/v/.berth-staging-1", backup: "/v/.berth-backup-1" }],
});

describe("restore journal", () => {
  it("appends durable records and reads them back in order", async () => {
    const journal = await createJournal(dataDir, intent("r1"));
    await journal.append({ type: "STEP", volume: 0, action: "live-to-backup" });
    await journal.append({ type: "STEP", volume: 0, action: "staged-to-live" });
    await journal.append({ type: "COMMIT" });
    const [read] = await listJournals(dataDir);
    expect(read!.torn).toBe(false);
    expect(read!.intent).toEqual(intent("r1"));
    expect(read!.records.map((r) => r.type)).toEqual(["INTENT", "STEP", "STEP", "COMMIT"]);
    expect((await fs.stat(journal.path)).mode & 0o777).toBe(0o600);
    await journal.remove();
    expect(await listJournals(dataDir)).toEqual([]);
  });

  it("refuses to create a journal twice for one restore", async () => {
    const journal = await createJournal(dataDir, intent("r2"));
    await expect(createJournal(dataDir, intent("r2"))).rejects.toMatchObject({ code: "EEXIST" });
    await journal.remove();
  });

  it("ignores a torn last record at every possible cut, keeping all complete ones", () => {
    const complete = Buffer.concat([encodeRecord(intent("r3")), encodeRecord({ type: "STEP", volume: 0, action: "live-to-backup" })]);
    const last = encodeRecord({ type: "COMMIT" });
    for (let cut = 0; cut < last.length; cut++) {
      const { records, torn } = decodeRecords(Buffer.concat([complete, last.subarray(0, cut)]));
      expect(
        records.map((r) => r.type),
        `cut at ${cut}`,
      ).toEqual(["INTENT", "STEP"]);
      expect(torn).toBe(cut > 0);
    }
    expect(decodeRecords(Buffer.concat([complete, last])).records.map((r) => r.type)).toEqual(["INTENT", "STEP", "COMMIT"]);
  });

  it("stops at a record whose checksum fails (a bit flip), trusting nothing after it", () => {
    const a = encodeRecord(intent("r4"));
    const b = encodeRecord({ type: "COMMIT" });
    const c = encodeRecord({ type: "DONE" });
    const flipped = Buffer.from(b);
    flipped[flipped.length - 2]! ^= 0x01;
    const { records, torn } = decodeRecords(Buffer.concat([a, flipped, c]));
    expect(records.map((r) => r.type)).toEqual(["INTENT"]);
    expect(torn).toBe(true);
  });

  it("treats an absurd length as a torn record", () => {
    const bogus = Buffer.alloc(8);
    bogus.writeUInt32BE(0xffffffff, 0);
    expect(decodeRecords(Buffer.concat([encodeRecord({ type: "DONE" }), bogus]))).toEqual({ records: [{ type: "DONE" }], torn: true });
  });
});

describe("journal state", () => {
  const v2 = { ...intent("r9"), version: 2 as const };
  const undo: Extract<JournalRecord, { type: "UNDO" }> = {
    type: "UNDO",
    runId: "u1",
    preRestoreSnapshotId: "s2",
    preRestoreLabel: "before undoing x",
    alsoStopped: ["w3"],
  };
  it("follows a version 2 restore through COMMIT, UP, an undo and its copy", () => {
    expect(journalState([v2])).toEqual({ committed: false, undo: null, up: false, archived: false, done: false });
    expect(journalState([v2, { type: "COMMIT", liveInodes: ["7"] }])).toMatchObject({ committed: true, liveInodes: ["7"], up: false });
    expect(journalState([v2, { type: "COMMIT" }, { type: "UP" }])).toMatchObject({ up: true, archived: false });
    // An undo takes the workloads down again: up only once its own UP is written.
    expect(journalState([v2, { type: "COMMIT" }, { type: "UP" }, undo])).toMatchObject({ undo, up: false });
    expect(
      journalState([v2, { type: "COMMIT" }, { type: "UP" }, undo, { type: "UP" }, { type: "ARCHIVED", snapshotId: "s2" }]),
    ).toMatchObject({ up: true, archived: true });
    expect(stoppedWith({ ...v2, alsoStopped: ["w2", "w3"] }, journalState([v2, { type: "COMMIT" }, { type: "UP" }, undo]))).toEqual([
      "w2",
      "w3",
    ]);
  });

  it("reads a journal of the previous version (copy taken before the swap) as archived once committed", () => {
    const legacy = intent("r8");
    expect(journalState([legacy])).toMatchObject({ committed: false, archived: false, up: false });
    expect(journalState([legacy, { type: "COMMIT" }])).toMatchObject({ committed: true, archived: true, up: false });
    expect(journalState([legacy, { type: "COMMIT" }, { type: "DONE" }])).toMatchObject({ up: true, archived: true, done: true });
  });

  it("never recreates a journal that was removed: an append fails instead", async () => {
    const journal = await createJournal(dataDir, intent("r7"));
    await journal.remove();
    await expect(journal.append({ type: "UP" })).rejects.toMatchObject({ code: "ENOENT" });
    expect(await listJournals(dataDir)).toEqual([]);
  });
});

describe("pre-restore labels", () => {
  it("names what was restored, never nesting", () => {
    expect(preRestoreLabel({ kind: "manual", label: "nightly", id: "0123456789" })).toBe("before restoring nightly");
    expect(preRestoreLabel({ kind: "manual", label: "", id: "0123456789" })).toBe("before restoring 01234567");
    expect(preRestoreLabel({ kind: "pre-restore", label: "before restoring nightly", id: "x" })).toBe("before undoing nightly");
    expect(preRestoreLabel({ kind: "pre-restore", label: "before undoing before restoring nightly", id: "x" })).toBe(
      "before undoing nightly",
    );
    expect(preRestoreLabel({ kind: "imported", label: "a".repeat(120), id: "x" })).toHaveLength(100);
  });
});
