import busboy from "busboy";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { DomainError } from "../engine/errors";

export interface UploadBody {
  stream: Readable;
  fileName?: string;
  fields: Record<string, string>;
}

/**
 * The uploaded bytes as a stream, never buffered: a raw body as-is, or the first file of a
 * multipart form (fields sent before the file, such as `label`, come along).
 */
export function uploadBody(req: Request): Promise<UploadBody> {
  if (!req.body) return Promise.reject(new DomainError("BAD_REQUEST", "The upload is empty"));
  const body = Readable.fromWeb(req.body as unknown as WebReadableStream);
  const type = req.headers.get("content-type") ?? "";
  if (!type.toLowerCase().startsWith("multipart/form-data")) return Promise.resolve({ stream: body, fields: {} });

  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: { "content-type": type }, limits: { files: 1, fields: 20, fieldSize: 4096 } });
    } catch (error) {
      reject(new DomainError("BAD_REQUEST", `Malformed multipart upload: ${(error as Error).message}`));
      return;
    }
    parser.on("field", (name, value) => (fields[name] = value));
    parser.on("file", (_name, stream, info) => resolve({ stream, fileName: info.filename, fields }));
    parser.on("error", (error) => reject(new DomainError("BAD_REQUEST", `Malformed multipart upload: ${(error as Error).message}`)));
    parser.on("close", () => reject(new DomainError("BAD_REQUEST", "The multipart upload has no file")));
    body.pipe(parser);
  });
}
