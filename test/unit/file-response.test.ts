// fileResponse() serves one file two ways: as the Response's web body (fetch-style callers)
// and as a Node stream the Node server pipes straight into the socket (directBodyOf). Both
// must carry exactly the requested bytes.
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { directBodyOf, fileResponse } from "~/server/http/file-response";

let dir: string;
let file: string;
const data = randomBytes(3 * 1024 * 1024 + 123);
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-file-response-"));
  file = path.join(dir, "a.tar.gz");
  await fs.writeFile(file, data);
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

const download = (headers: Record<string, string> = {}) =>
  fileResponse(new Request("http://localhost/x", { headers }), {
    path: file,
    size: data.length,
    etag: "abc",
    lastModified: new Date(0),
    downloadName: "web-snapshot.tar.gz",
    contentType: "application/gzip",
  });

async function readNode(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe("fileResponse", () => {
  it("streams the whole file through the web body", async () => {
    const response = download();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe(String(data.length));
    expect(Buffer.from(await response.arrayBuffer()).equals(data)).toBe(true);
  });

  it("hands the same bytes to a Node server as a stream to pipe", async () => {
    const response = download();
    const open = directBodyOf(response);
    expect(open).toBeDefined();
    await response.body!.cancel();
    expect((await readNode(open!())).equals(data)).toBe(true);
  });

  it("serves exactly the requested range both ways", async () => {
    const range = { range: "bytes=1048570-2097160" };
    const web = download(range);
    expect(web.status).toBe(206);
    expect(web.headers.get("content-range")).toBe(`bytes 1048570-2097160/${data.length}`);
    expect(Buffer.from(await web.arrayBuffer()).equals(data.subarray(1048570, 2097161))).toBe(true);
    const direct = download(range);
    await direct.body!.cancel();
    expect((await readNode(directBodyOf(direct)!())).equals(data.subarray(1048570, 2097161))).toBe(true);
  });

  it("has no body to pipe for HEAD, 304 and 416", async () => {
    const head = fileResponse(new Request("http://localhost/x", { method: "HEAD" }), {
      path: file,
      size: data.length,
      etag: "abc",
      lastModified: new Date(0),
      downloadName: "x",
      contentType: "application/gzip",
    });
    expect(directBodyOf(head)).toBeUndefined();
    const notModified = download({ "if-none-match": '"abc"' });
    expect(notModified.status).toBe(304);
    expect(directBodyOf(notModified)).toBeUndefined();
    const unsatisfiable = download({ range: `bytes=${data.length + 5}-` });
    expect(unsatisfiable.status).toBe(416);
    expect(directBodyOf(unsatisfiable)).toBeUndefined();
  });
});
