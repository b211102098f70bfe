import { createHash } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeWebStream } from "node:stream/web";
import type { Command } from "commander";
import { fsyncPath } from "~/server/engine/durable-fs";
import type { ImportResult } from "~/server/engine/snapshots/import";
import { connect, type Remote } from "./client";
import { CliError, EXIT, httpFailure } from "./errors";
import { formatBytes, printJson, say } from "./output";
import { progressReporter, withOperationProgress } from "./progress";
import { resolveWorkload, workloadRefHelp } from "./workloads";

/** Counts the bytes going through, for a progress bar. */
const counter = (onBytes: (n: number) => void) =>
  new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      onBytes(chunk.length);
      callback(null, chunk);
    },
  });

/** A sha256 fed with the file's bytes so far, to go on with the rest as it arrives. */
async function hashFile(file: string): Promise<ReturnType<typeof createHash>> {
  const hash = createHash("sha256");
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash;
}

const sizeOf = (file: string) =>
  fsp.stat(file).then(
    (s) => s.size,
    () => 0,
  );

/**
 * Downloads a snapshot to `<file>.partial` (its ETag, the archive's sha256, beside it in
 * `<file>.partial.etag`), resumes an interrupted one with Range + If-Range, checks the sha256
 * of the whole file against the ETag, and only then renames it to `file`.
 */
export async function downloadSnapshot(remote: Remote, id: string, file: string) {
  const partial = `${file}.partial`;
  const etagFile = `${partial}.etag`;
  const savedEtag = await fsp.readFile(etagFile, "utf8").then(
    (t) => t.trim(),
    () => null,
  );
  let offset = savedEtag ? await sizeOf(partial) : 0;
  const url = `/api/snapshots/${encodeURIComponent(id)}/download`;
  let res = await remote.fetch(url, { headers: offset > 0 && savedEtag ? { range: `bytes=${offset}-`, "if-range": savedEtag } : {} });
  if (res.status === 416) {
    // The partial is as long as the file (or longer): check it as it is, or start again.
    await res.body?.cancel();
    const total = Number(/\/(\d+)$/.exec(res.headers.get("content-range") ?? "")?.[1] ?? -1);
    if (total !== offset) offset = 0;
    res = offset === 0 ? await remote.fetch(url) : res;
  }
  if (res.status !== 200 && res.status !== 206 && res.status !== 416) throw await httpFailure(res, "download");
  const etag = res.headers.get("etag");
  if (!etag) throw new CliError("the server sent no ETag for the snapshot", EXIT.failed, "no-etag");
  if (res.status === 200) offset = 0;
  if (res.status === 206) {
    const start = Number(/^bytes (\d+)-/.exec(res.headers.get("content-range") ?? "")?.[1] ?? -1);
    if (start !== offset) throw new CliError(`the server resumed at byte ${start}, not ${offset}`, EXIT.failed, "bad-range");
  }
  if (offset > 0) process.stderr.write(`resuming at ${offset} bytes\n`);

  await fsp.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  if (offset === 0) {
    await fsp.writeFile(etagFile, `${etag}\n`);
    await fsp.writeFile(partial, "");
  }
  const hash = offset > 0 ? await hashFile(partial) : createHash("sha256");
  if (res.status !== 416 && res.body) {
    const total = offset + Number(res.headers.get("content-length") ?? 0);
    const reporter = progressReporter("download");
    let done = offset;
    reporter.update({ phase: "downloading", bytesDone: done, bytesTotal: total });
    const out = fs.createWriteStream(partial, { flags: "a" });
    try {
      await pipeline(
        Readable.fromWeb(res.body as NodeWebStream<Uint8Array>),
        counter((n) => {
          done += n;
          reporter.update({ phase: "downloading", bytesDone: done, bytesTotal: total });
        }),
        new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            hash.update(chunk);
            callback(null, chunk);
          },
        }),
        out,
      );
    } finally {
      reporter.done();
    }
  }
  const fd = await fsp.open(partial, "r+");
  try {
    await fd.sync();
  } finally {
    await fd.close();
  }
  const sha256 = hash.digest("hex");
  if (`"${sha256}"` !== etag) {
    // A partial that does not add up is useless to resume: start clean next time.
    await fsp.rm(partial, { force: true });
    await fsp.rm(etagFile, { force: true });
    throw new CliError(
      `the download's sha256 ${sha256} does not match the server's ${etag}; run the command again`,
      EXIT.failed,
      "checksum-mismatch",
    );
  }
  await fsp.rename(partial, file);
  await fsp.rm(etagFile, { force: true });
  await fsyncPath(path.dirname(path.resolve(file)));
  return { id, file: path.resolve(file), size: await sizeOf(file), sha256 };
}

export function registerTransferCommands(snapshot: Command) {
  snapshot
    .command("download")
    .description("download a snapshot's archive (resumes an interrupted download, checks its sha256)")
    .argument("<id>", "the snapshot id")
    .option("-o, --output <file>", "where to save it (default: <id>.tar.gz)")
    .option("--json", "print JSON")
    .action(async (id: string, opts: { output?: string; json?: boolean }) => {
      const remote = await connect();
      const result = await downloadSnapshot(remote, id, opts.output ?? `${id}.tar.gz`);
      if (opts.json) return printJson(result);
      say(`saved ${result.file} (${formatBytes(result.size)}, sha256 ${result.sha256})`);
    });

  snapshot
    .command("import")
    .description("upload a snapshot archive (.tar.gz) to a workload")
    .argument("<workload>", workloadRefHelp)
    .argument("<file>")
    .option("--label <label>", "a label (default: the file's name)")
    .option("--keep-special-bits", "keep setuid/setgid bits when this archive is restored (only for archives you trust)")
    .option("--json", "print JSON")
    .action(async (ref: string, file: string, opts: { label?: string; keepSpecialBits?: boolean; json?: boolean }) => {
      const remote = await connect();
      const size = (await fsp.stat(file).catch(() => null))?.size;
      if (size === undefined) throw new CliError(`cannot read ${file}`, EXIT.failed, "file-missing");
      const workload = await resolveWorkload(remote, ref);
      const query = new URLSearchParams({ filename: path.basename(file) });
      if (opts.label) query.set("label", opts.label);
      if (opts.keepSpecialBits) query.set("keepSpecialBits", "1");
      const result = await withOperationProgress(
        remote,
        workload.id,
        "import",
        async () => {
          const res = await remote.fetch(`/api/workloads/${encodeURIComponent(workload.id)}/snapshots/import?${query}`, {
            method: "POST",
            headers: { "content-type": "application/gzip", "content-length": String(size) },
            body: fs.createReadStream(file),
          });
          if (res.status !== 201) throw await httpFailure(res, "import");
          return (await res.json()) as Omit<ImportResult, "snapshot"> & {
            snapshot: Omit<ImportResult["snapshot"], "size"> & { size: number };
          };
        },
        // The server counts what it received; only the CLI knows how much is coming.
        { adjust: (state) => (state.phase === "uploading" ? { ...state, bytesTotal: size } : state) },
      );
      if (opts.json) return printJson(result);
      say(`imported snapshot ${result.snapshot.id} (${formatBytes(result.snapshot.size)})`);
      if (result.unmatched.length > 0) say(`volumes in the archive the workload does not have: ${result.unmatched.join(", ")}`);
    });
}
