// One sha256 over a directory tree (paths in sorted order, kinds, permission bits, file
// contents), streamed, so the benchmark can check a restore gave back exactly the dataset.
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";

export async function treeDigest(root: string): Promise<string> {
  const hash = createHash("sha256");
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  async function walk(relative: string): Promise<void> {
    const entries = (await fs.readdir(path.join(root, relative), { withFileTypes: true })).sort((x, y) => (x.name < y.name ? -1 : 1));
    for (const entry of entries) {
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      const full = path.join(root, rel);
      const mode = ((await fs.lstat(full)).mode & 0o777).toString(8);
      if (entry.isDirectory()) {
        hash.update(`d ${mode} ${rel}\0`);
        await walk(rel);
      } else if (entry.isFile()) {
        hash.update(`f ${mode} ${rel}\0`);
        const handle = await fs.open(full, "r");
        try {
          for (;;) {
            const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
            if (bytesRead === 0) break;
            hash.update(buffer.subarray(0, bytesRead));
          }
        } finally {
          await handle.close();
        }
      } else {
        hash.update(`? ${rel}\0`);
      }
    }
  }
  await walk("");
  return hash.digest("hex");
}
