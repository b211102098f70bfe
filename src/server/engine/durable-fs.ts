import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** fsync a file or a directory: a rename or a journal record must not outlive the data it names. */
export async function fsyncPath(p: string): Promise<void> {
  const handle = await fs.open(p, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Flush the whole filesystem holding `p` to stable storage: syncfs(2), through coreutils'
 * `sync -f` (Node has no binding for it). For a tree just written, this gives what an fsync
 * of every file and directory in it gives, in one call: syncfs writes back every dirty page
 * and inode of the filesystem and waits for the journal commit holding the new directory
 * entries; since Linux 5.8 it also fails when writeback of any inode failed, and a writeback
 * error no one has seen yet is reported even to a descriptor opened after it (errseq).
 * Other files on the same filesystem are flushed too: that costs time, never safety.
 */
export async function syncFilesystem(p: string): Promise<void> {
  try {
    await execFileAsync("sync", ["-f", "--", p]);
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? "").trim();
    throw new Error(`sync -f failed${stderr ? `: ${stderr}` : ""}`, { cause: error });
  }
}
