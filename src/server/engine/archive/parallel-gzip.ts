// Gzip on every core, pigz-style: the input is cut into fixed-size blocks, each block is
// compressed on its own as a complete gzip member on libuv's thread pool (Node's async
// zlib), and the members are emitted in input order. A concatenation of gzip members is
// itself a valid gzip file (RFC 1952 §2.2): gunzip, GNU tar and the strict reader decode it
// as one stream. Independent blocks forget the previous block's 32 KiB window; at 1 MiB
// blocks that costs well under 1% of size.
//
// The level is chosen per block: a block whose bytes look random (already-compressed
// media, archives, encrypted data) is stored (level 0), because deflating it at level 6
// costs as much CPU as text and saves nothing; everything else gets `level`.
//
// Memory is flat: at most `concurrency` blocks are being compressed or waiting to be
// emitted; the writable side holds one more block before backpressure stops the producer.
import os from "node:os";
import { Transform, type TransformCallback } from "node:stream";
import { gzip, type ZlibOptions } from "node:zlib";

export const PARALLEL_GZIP_BLOCK = 1024 * 1024;

export interface ParallelGzipOptions {
  /** Level for compressible blocks (default 6, as gzip and tar -z). */
  level?: number;
  /** Uncompressed bytes per gzip member (default 1 MiB). */
  blockSize?: number;
  /** Blocks compressed at once (default: the number of cores). */
  concurrency?: number;
  /** Store blocks that look incompressible instead of deflating them (default true). */
  adaptive?: boolean;
}

const SAMPLE_SLICES = 8;
const SLICE_BYTES = 2048;
// Order-0 entropy (bits per byte) above which deflate cannot gain: random data measures
// ~7.99 over the sampled 16 KiB; text is ~4.5-5.5, executables ~6, a block half text and
// half random ~7. The error is only ever size or speed, never correctness.
const INCOMPRESSIBLE_BITS = 7.9;

/**
 * Cheap guess whether deflate would shrink `block`: the byte entropy of a few slices spread
 * over it (about 16 KiB per MiB, microseconds). A block looks incompressible only if the
 * sample as a whole is near 8 bits per byte, so a block mixing text and random data is
 * still deflated.
 */
export function looksIncompressible(block: Uint8Array): boolean {
  if (block.length < SAMPLE_SLICES * SLICE_BYTES) return false; // small: deflate is cheap anyway
  const counts = new Uint32Array(256);
  const stride = Math.floor((block.length - SLICE_BYTES) / (SAMPLE_SLICES - 1));
  for (let s = 0; s < SAMPLE_SLICES; s++) {
    const start = s * stride;
    for (let i = start; i < start + SLICE_BYTES; i++) counts[block[i]!]!++;
  }
  const total = SAMPLE_SLICES * SLICE_BYTES;
  let bits = 0;
  for (const count of counts) {
    if (count) bits -= (count / total) * Math.log2(count / total);
  }
  return bits > INCOMPRESSIBLE_BITS;
}

function gzipMember(block: Buffer, options: ZlibOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => gzip(block, options, (error, out) => (error ? reject(error) : resolve(out))));
}

export class ParallelGzip extends Transform {
  private readonly level: number;
  private readonly blockSize: number;
  private readonly concurrency: number;
  private readonly adaptive: boolean;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Per submitted block, settled once its member was pushed; in input order. */
  private inFlight: Promise<void>[] = [];
  private tail: Promise<void> = Promise.resolve();
  /** Members by level, for tests and diagnostics. */
  readonly members = { stored: 0, deflated: 0 };

  constructor(options: ParallelGzipOptions = {}) {
    const blockSize = options.blockSize ?? PARALLEL_GZIP_BLOCK;
    // One block waits on the writable side; the readable side holds what was emitted.
    super({ writableHighWaterMark: blockSize, readableHighWaterMark: blockSize });
    this.level = options.level ?? 6;
    this.blockSize = blockSize;
    this.concurrency = Math.max(1, options.concurrency ?? os.availableParallelism());
    this.adaptive = options.adaptive ?? true;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    // Whole blocks pass through without a copy (the archive writer hands over exactly that).
    if (this.pendingBytes === 0 && chunk.length === this.blockSize) {
      this.submit(chunk);
    } else {
      let offset = 0;
      while (offset < chunk.length) {
        const take = Math.min(this.blockSize - this.pendingBytes, chunk.length - offset);
        this.pending.push(chunk.subarray(offset, offset + take));
        this.pendingBytes += take;
        offset += take;
        if (this.pendingBytes === this.blockSize) this.submitPending();
      }
    }
    this.whenRoom().then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    if (this.pendingBytes > 0) this.submitPending();
    this.tail.then(() => callback(), callback);
  }

  private submitPending(): void {
    const block = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.submit(block);
  }

  private submit(block: Buffer): void {
    const stored = this.adaptive && looksIncompressible(block);
    if (stored) this.members.stored++;
    else this.members.deflated++;
    // chunkSize ≥ the worst-case output: zlib fills one buffer instead of returning to the
    // main thread every 16 KiB (the default) for the next one.
    const member = gzipMember(block, { level: stored ? 0 : this.level, chunkSize: this.blockSize + 64 * 1024 });
    const previous = this.tail;
    const done = (async () => {
      const out = await member;
      await previous; // members leave in input order
      this.push(out);
    })();
    // The tail only continues on success; a failure destroys the stream once.
    this.tail = done;
    done.catch((error: Error) => this.destroy(error));
    this.inFlight.push(done);
  }

  private async whenRoom(): Promise<void> {
    while (this.inFlight.length >= this.concurrency) {
      await this.inFlight[0];
      this.inFlight.shift();
    }
  }
}

export const createParallelGzip = (options?: ParallelGzipOptions) => new ParallelGzip(options);
