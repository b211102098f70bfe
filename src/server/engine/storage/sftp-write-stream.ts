import { Writable } from "node:stream";

// SFTP answers each write separately; waiting for every answer before the next write would
// cap a transfer at one chunk per round trip (64 KiB per 50 ms is 1.3 MB/s). A few writes stay
// in flight instead, as OpenSSH's own sftp client does; memory stays at that many pieces.
const IN_FLIGHT = 64;
// Each write request carries at most this much (every SFTP server takes 32 KiB). A larger chunk
// would be split by ssh2 into pieces sent one after another's answer, so a later chunk's first
// piece could reach the server before an earlier chunk's second: a cut connection would then
// leave a hole inside the partial file. Pieces sent in file order and applied in order (as
// OpenSSH's sftp-server does) leave a prefix, which is what a resume continues from; the
// re-read sha256 after the commit catches a server that applies them otherwise.
const PIECE = 32 * 1024;

/**
 * A Writable that writes each chunk at its position in a remote file through `writeAt`, up to
 * IN_FLIGHT at once. It finishes when every write was acknowledged and fails on the first
 * refused one; `onBytes` counts acknowledged bytes.
 */
export function positionedWriter(
  writeAt: (chunk: Buffer, position: number) => Promise<void>,
  start: number,
  onBytes?: (bytes: number) => void,
): Writable {
  let position = start;
  let failure: Error | undefined;
  const inFlight = new Set<Promise<void>>();
  return new Writable({
    async write(chunk: Buffer, _encoding, done) {
      for (let at = 0; at < chunk.length; at += PIECE) {
        if (failure) return done(failure);
        // Backpressure: the next piece is sent once a slot is free.
        while (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
        if (failure) return done(failure);
        const piece = chunk.subarray(at, at + PIECE);
        const write: Promise<void> = writeAt(piece, position).then(
          () => {
            inFlight.delete(write);
            onBytes?.(piece.length);
          },
          (error: Error) => {
            inFlight.delete(write);
            failure ??= error;
          },
        );
        position += piece.length;
        inFlight.add(write);
      }
      done(failure);
    },
    final(done) {
      void Promise.all(inFlight).then(() => done(failure));
    },
  });
}
