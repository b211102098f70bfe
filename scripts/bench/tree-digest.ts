// One sha256 over a directory tree (paths in sorted order, kinds, owners, permission bits
// with setuid/setgid/sticky, symlink targets, which paths share an inode, file contents),
// streamed, so the benchmark can check a restore gave back exactly the dataset.
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";

export async function treeDigest(root: string): Promise<string> {
  const hash = createHash("sha256");
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  // Inode → the first path seen with it: a later path with the same inode is a hard link.
  const inodes = new Map<number, string>();
  async function walk(relative: string): Promise<void> {
    const entries = (await fs.readdir(path.join(root, relative), { withFileTypes: true })).sort((x, y) => (x.name < y.name ? -1 : 1));
    for (const entry of entries) {
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      const full = path.join(root, rel);
      const st = await fs.lstat(full);
      const meta = `${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
      if (entry.isSymbolicLink()) {
        // A symlink's own mode is always 0777 on Linux; its owner is what lchown set.
        hash.update(`l ${st.uid}:${st.gid} ${rel} -> ${await fs.readlink(full)}\0`);
      } else if (entry.isDirectory()) {
        hash.update(`d ${meta} ${rel}\0`);
        await walk(rel);
      } else if (entry.isFile()) {
        const first = st.nlink > 1 ? inodes.get(st.ino) : undefined;
        if (first !== undefined) {
          hash.update(`h ${rel} = ${first}\0`);
          continue;
        }
        if (st.nlink > 1) inodes.set(st.ino, rel);
        hash.update(`f ${meta} ${rel}\0`);
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
