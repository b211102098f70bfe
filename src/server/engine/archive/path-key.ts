import { hash } from "node:crypto";

// A short path is its own key; a longer one is keyed by a 16-byte digest (sha256, truncated),
// NUL-tagged as no path holds a NUL. Sets and maps of paths then cost a bounded amount per
// path, whatever its length: 4 KiB paths kept as strings cost ~12 KB an entry.
const SHORT = 32;

export function pathKey(p: string): string {
  if (p.length <= SHORT) return p;
  const digest = hash("sha256", p, "buffer");
  digest[0] = 0; // the tag; bytes 1-16 are the digest
  return digest.toString("latin1", 0, 17); // one flat string: a concatenation would keep two
}
