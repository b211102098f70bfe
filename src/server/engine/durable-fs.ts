import fs from "node:fs/promises";

/** fsync a file or a directory: a rename or a journal record must not outlive the data it names. */
export async function fsyncPath(p: string): Promise<void> {
  const handle = await fs.open(p, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
