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
}

export type JournalRecord =
  | {
      type: "INTENT";
      restoreId: string;
      workloadId: string;
      snapshotId: string;
      preRestoreSnapshotId: string;
      volumes: VolumePlan[];
      /** other workloads that share the folders and were stopped too: recovery brings them back */
      alsoStopped?: string[];
    }
  | { type: "STEP"; volume: number; action: "live-to-backup" | "staged-to-live" }
  | { type: "COMMIT" }
  | { type: "DONE" };

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
      const handle = await fs.open(file, "a");
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
