import { constants } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { crc32 } from "node:zlib";
import { fsyncPath } from "../durable-fs";

/**
 * The restore write-ahead journal: one file per restore, a sequence of framed records
 * `[u32 length][u32 crc32(payload)][payload: JSON]`, each appended and fsynced before the
 * step it announces is taken. A record cut short by a crash, or whose checksum fails, ends
 * the journal: everything before it is trusted, nothing after it is.
 */

export interface VolumePlan {
  target: string;
  live: string;
  staged: string;
  backup: string;
  /** live did not exist before the restore: rolling back means removing it again */
  liveAbsent?: boolean;
  /** Since version 2: where an O(1) undo moves the restored data, and what the undo copy records. */
  undone?: string;
  index?: number;
  scope?: string;
  source?: string;
}

export type JournalRecord =
  | {
      type: "INTENT";
      /** 2: the undo copy is made from the backup folders after the swap. Absent: it was taken before. */
      version?: 2;
      restoreId: string;
      workloadId: string;
      snapshotId: string;
      /** the id the undo copy gets (version 2), or the one taken before the swap */
      preRestoreSnapshotId: string;
      preRestoreLabel?: string;
      volumes: VolumePlan[];
      /** other workloads that share the folders and were stopped too: recovery brings them back */
      alsoStopped?: string[];
    }
  | { type: "STEP"; volume: number; action: "live-to-backup" | "staged-to-live" | "live-to-undone" | "backup-to-live" }
  /** liveInodes (version 2): each volume's live folder, so an undo can tell it was not replaced since */
  | { type: "COMMIT"; liveInodes?: string[] }
  /** the workloads run again on the data now live (after COMMIT, or after UNDO) */
  | { type: "UP" }
  /** an O(1) undo: the backups go back to live, the restored data to `undone`; always rolled forward */
  | { type: "UNDO"; runId: string; preRestoreSnapshotId: string; preRestoreLabel: string; alsoStopped?: string[] }
  /** the undo copy is durable and recorded (null: there was nothing to keep); the folders may go */
  | { type: "ARCHIVED"; snapshotId: string | null }
  | { type: "DONE" };

export interface JournalState {
  committed: boolean;
  liveInodes?: string[];
  undo: Extract<JournalRecord, { type: "UNDO" }> | null;
  /** the workloads are up on the data the journal made live (the restored one, or after UNDO the old one) */
  up: boolean;
  archived: boolean;
  done: boolean;
}

/** Where a journal's restore stands, from its records in order. */
export function journalState(records: readonly JournalRecord[]): JournalState {
  const state: JournalState = { committed: false, undo: null, up: false, archived: false, done: false };
  for (const r of records) {
    if (r.type === "COMMIT") [state.committed, state.liveInodes] = [true, r.liveInodes];
    else if (r.type === "UNDO") [state.undo, state.up] = [r, false];
    else if (r.type === "UP") state.up = true;
    else if (r.type === "ARCHIVED") state.archived = true;
    else if (r.type === "DONE") state.done = true;
  }
  // Before version 2 the undo copy was taken before the swap, so it is already there.
  const intent = records[0];
  if (intent?.type === "INTENT" && intent.version !== 2 && state.committed) [state.up, state.archived] = [state.up || state.done, true];
  return state;
}

/** The workloads a journal's restore (and its undo, if any) stopped besides its own. */
export const stoppedWith = (intent: Extract<JournalRecord, { type: "INTENT" }>, state: JournalState) => [
  ...new Set([...(intent.alsoStopped ?? []), ...(state.undo?.alsoStopped ?? [])]),
];

const HEADER = 8;
const MAX_RECORD = 16 * 1024 * 1024;

export const journalDir = (dataDir: string) => path.join(dataDir, "journal");
const journalFile = (dataDir: string, restoreId: string) => path.join(journalDir(dataDir), `${restoreId}.journal`);

export function encodeRecord(record: JournalRecord): Buffer {
  const payload = Buffer.from(JSON.stringify(record), "utf8");
  const header = Buffer.alloc(HEADER);
  header.writeUInt32BE(payload.length, 0);
  header.writeUInt32BE(crc32(payload), 4);
  return Buffer.concat([header, payload]);
}

/** The records up to the first torn or corrupt one; `torn` says whether bytes were ignored. */
export function decodeRecords(bytes: Buffer): { records: JournalRecord[]; torn: boolean } {
  const records: JournalRecord[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < HEADER) return { records, torn: true };
    const length = bytes.readUInt32BE(offset);
    const sum = bytes.readUInt32BE(offset + 4);
    if (length > MAX_RECORD || offset + HEADER + length > bytes.length) return { records, torn: true };
    const payload = bytes.subarray(offset + HEADER, offset + HEADER + length);
    if (crc32(payload) !== sum) return { records, torn: true };
    try {
      records.push(JSON.parse(payload.toString("utf8")) as JournalRecord);
    } catch {
      return { records, torn: true };
    }
    offset += HEADER + length;
  }
  return { records, torn: false };
}

export interface Journal {
  path: string;
  append(record: JournalRecord): Promise<void>;
  remove(): Promise<void>;
}

function journalAt(file: string): Journal {
  return {
    path: file,
    async append(record) {
      // Never created here: a journal removed meanwhile must not come back without its INTENT.
      const handle = await fs.open(file, constants.O_WRONLY | constants.O_APPEND);
      try {
        await handle.write(encodeRecord(record));
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
    async remove() {
      await fs.rm(file, { force: true });
      await fsyncPath(path.dirname(file));
    },
  };
}

/** Creates the journal with its INTENT record, durable (file and directory fsynced) on return. */
export async function createJournal(dataDir: string, intent: Extract<JournalRecord, { type: "INTENT" }>): Promise<Journal> {
  const dir = journalDir(dataDir);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const file = journalFile(dataDir, intent.restoreId);
  const handle = await fs.open(file, "wx", 0o600);
  try {
    await handle.write(encodeRecord(intent));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fsyncPath(dir);
  return journalAt(file);
}

export interface OpenJournal extends Journal {
  records: JournalRecord[];
  intent: Extract<JournalRecord, { type: "INTENT" }> | null;
  torn: boolean;
}

/** Every journal left in the data dir (a journal exists only while a restore is unfinished). */
export async function listJournals(dataDir: string): Promise<OpenJournal[]> {
  const dir = journalDir(dataDir);
  const names = await fs.readdir(dir).catch((error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? [] : Promise.reject(error)));
  const journals: OpenJournal[] = [];
  for (const name of names.filter((n) => n.endsWith(".journal")).sort()) {
    const file = path.join(dir, name);
    const { records, torn } = decodeRecords(await fs.readFile(file));
    const first = records[0];
    journals.push({ ...journalAt(file), records, torn, intent: first?.type === "INTENT" ? first : null });
  }
  return journals;
}
