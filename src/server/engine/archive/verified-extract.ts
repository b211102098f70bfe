import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { Transform } from "node:stream";
import { DomainError } from "../errors";
import { ArchiveRejectedError } from "./errors";
import { type ExtractOptions, type ExtractResult, extractSnapshotArchive } from "./extractor";

// Reads of the archive: large enough for few calls, small enough that the buffered stages
// between the file and the extractor hold a few MB, not tens (peak RSS).
export const ARCHIVE_READ_CHUNK = 256 * 1024;

/** setuid / setgid on files only from archives this server wrote, or an import the admin vouched for. */
export const fileSpecialBitsFor = (row: { kind: string; keepSpecialBits: boolean }): "keep" | "strip" =>
  row.kind === "imported" && !row.keepSpecialBits ? "strip" : "keep";

export const checksumMismatch = () =>
  new DomainError(
    "PRECONDITION_FAILED",
    "The snapshot file does not match its recorded checksum (sha256); it was changed or damaged, refusing to restore",
    { reason: "checksum-mismatch" },
  );

/**
 * One pass over a stored snapshot file: its sha256, the strict reader's full validation and
 * the extraction into `targets`, durable on return. Throws checksumMismatch() when the file is
 * not the one recorded (`sha256`); on any throw the caller removes the targets.
 */
export async function extractVerified(
  file: string,
  sha256: string,
  opts: Pick<ExtractOptions, "targets" | "fileSpecialBits" | "minFree" | "onProgress">,
): Promise<ExtractResult> {
  const hash = createHash("sha256");
  const source = createReadStream(file, { highWaterMark: ARCHIVE_READ_CHUNK });
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  source.on("error", (error) => hashing.destroy(error));
  hashing.on("close", () => source.destroy());
  let extracted: ExtractResult;
  try {
    extracted = await extractSnapshotArchive(source.pipe(hashing), opts);
  } catch (error) {
    // A file that no longer is what was recorded says so, rather than what the reader tripped on.
    if (error instanceof ArchiveRejectedError && (await sha256Of(file)) !== sha256) throw checksumMismatch();
    throw error;
  }
  if (hash.digest("hex") !== sha256) throw checksumMismatch();
  return extracted;
}

export async function sha256Of(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: ARCHIVE_READ_CHUNK })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
