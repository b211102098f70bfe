import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";

/**
 * Every directory (with its mode), regular file (mode + sha256) and symlink (its target) under
 * `dir`, keyed by relative path: two trees are byte-identical when their maps are equal.
 */
export async function hashTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(rel: string) {
    for (const entry of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const r = path.join(rel, entry.name);
      const st = await fs.lstat(path.join(dir, r));
      if (entry.isDirectory()) {
        out[`${r}/`] = `dir ${(st.mode & 0o777).toString(8)}`;
        await walk(r);
      } else if (entry.isSymbolicLink()) {
        out[r] = `link ${await fs.readlink(path.join(dir, r))}`;
      } else if (entry.isFile()) {
        out[r] = `${(st.mode & 0o777).toString(8)} ${createHash("sha256")
          .update(await fs.readFile(path.join(dir, r)))
          .digest("hex")}`;
      }
    }
  }
  await walk("");
  return out;
}
