import busboy from "busboy";
import { Readable, pipeline } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { DomainError } from "../engine/errors";

export interface UploadBody {
  stream: Readable;
  fileName?: string;
  fields: Record<string, string>;
}

const cancelled = () => new DomainError("BAD_REQUEST", "The upload was cancelled", { reason: "upload-cancelled" });

/**
 * The uploaded bytes as a stream, never buffered: a raw body as-is, or the first file of a
 * multipart form (fields sent before the file, such as `label`, come along).
 *
 * A client that goes away mid-upload destroys the returned stream with an error, so its
 * consumer fails (and cleans up) instead of waiting forever.
 */
export function uploadBody(req: Request): Promise<UploadBody> {
  if (!req.body) return Promise.reject(new DomainError("BAD_REQUEST", "The upload is empty", { reason: "upload-empty" }));
  const body = Readable.fromWeb(req.body as unknown as WebReadableStream);
  // The request's signal aborts when the client's connection closes before the response.
  const onAbort = () => body.destroy(cancelled());
  if (req.signal.aborted) onAbort();
  else req.signal.addEventListener("abort", onAbort, { once: true });
  const type = req.headers.get("content-type") ?? "";
  if (!type.toLowerCase().startsWith("multipart/form-data")) return Promise.resolve({ stream: untilConsumed(body), fields: {} });

  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: { "content-type": type }, limits: { files: 1, fields: 20, fieldSize: 4096 } });
    } catch (error) {
      body.destroy();
      reject(new DomainError("BAD_REQUEST", `Malformed multipart upload: ${(error as Error).message}`, { reason: "upload-malformed" }));
      return;
    }
    parser.on("field", (name, value) => (fields[name] = value));
    parser.on("file", (_name, stream, info) => resolve({ stream: untilConsumed(stream), fileName: info.filename, fields }));
    parser.on("close", () => reject(new DomainError("BAD_REQUEST", "The multipart upload has no file", { reason: "upload-no-file" })));
    // pipeline, not pipe: a failed body destroys the parser, and the parser the file stream.
    pipeline(body, parser, (error) => {
      if (!error) return;
      reject(
        error instanceof DomainError
          ? error
          : new DomainError("BAD_REQUEST", `Malformed multipart upload: ${error.message}`, { reason: "upload-malformed" }),
      );
    });
  });
}

/**
 * Until the consumer attaches its own error handling, an error on the stream must not be an
 * uncaught exception; the stream stays destroyed with it, so the consumer still sees it.
 */
function untilConsumed(stream: Readable): Readable {
  stream.on("error", () => {});
  return stream;
}
