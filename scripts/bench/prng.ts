// Seeded pseudo-random numbers for the benchmark dataset: the same seed gives the same
// dataset on every machine, so results from different runs are comparable.
import { createCipheriv, createHash } from "node:crypto";

/** sfc32 (Small Fast Counter): tiny, fast, good enough for layout and word choice. */
export function createRandom(seed: string): () => number {
  const h = createHash("sha256").update(`berth-bench:${seed}`).digest();
  let a = h.readUInt32LE(0);
  let b = h.readUInt32LE(4);
  let c = h.readUInt32LE(8);
  let d = h.readUInt32LE(12);
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 16; i++) next(); // mix the seed in
  return next;
}

/**
 * Incompressible bytes: an AES-256-CTR keystream keyed by the seed. Indistinguishable from
 * random for deflate, reproducible, and generated at GB/s (AES-NI), unlike a JS PRNG.
 */
export function keystream(seed: string, stream: number): (length: number) => Buffer {
  const key = createHash("sha256").update(`berth-bench-bytes:${seed}`).digest();
  const iv = Buffer.alloc(16);
  iv.writeUInt32BE(stream >>> 0, 0);
  const cipher = createCipheriv("aes-256-ctr", key, iv);
  return (length) => cipher.update(Buffer.alloc(length));
}
