import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { dir, file, flipByte, gzip, record, snapshotTar, truncate } from "../support/archive-builder";
import { type AppServer, startAppServer } from "../support/app-server";
import { createApiToken, createDataWorkload, trpcHttp } from "../support/trpc-http";

// Download and import routes over real HTTP, against `next start`.
const IMPORT_LIMIT = 8 * 1024 * 1024;
let app: AppServer;
let admin: string;
let viewer: string;
let workloadId: string;
let snapshotId: string;
let snapshotFile: string;

const trpc = <T>(procedure: string, input: unknown, token = admin) => trpcHttp(app.url, token).mutate<T>(procedure, input);
const trpcQuery = <T>(procedure: string, input: unknown, token = admin) => trpcHttp(app.url, token).query<T>(procedure, input);

const download = (headers: Record<string, string> = {}, method = "GET", id = snapshotId) =>
  fetch(`${app.url}/api/snapshots/${id}/download`, { method, headers: { authorization: `Bearer ${admin}`, ...headers } });

const importArchive = (body: Buffer, query = "", headers: Record<string, string> = {}) =>
  fetch(`${app.url}/api/workloads/${workloadId}/snapshots/import${query}`, {
    method: "POST",
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/gzip", ...headers },
    body: new Uint8Array(body),
  });

beforeAll(async () => {
  app = await startAppServer({ BERTH_IMPORT_MAX_BYTES: String(IMPORT_LIMIT) });
  admin = createApiToken(app.dataDir, "admin");
  viewer = createApiToken(app.dataDir, "viewer");
  workloadId = await createDataWorkload(trpc, { project: "dl", name: "files", source: "files", image: inject("testImage") });
  await trpc("workload.deploy", { id: workloadId });
  const dir = path.join(app.dataDir, "volumes/projects/dl/stages/production/files");
  await fs.writeFile(path.join(dir, "random.bin"), Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251)));
  const snap = await trpc<{ id: string }>("snapshot.create", { workloadId, label: "für dich" });
  snapshotId = snap.id;
  snapshotFile = path.join(app.dataDir, "snapshots", workloadId, `${snapshotId}.tar.gz`);
});
afterAll(async () => {
  await app?.stop();
});

describe("download", () => {
  it("streams the whole file with attachment headers, ETag and length", async () => {
    const expected = await fs.readFile(snapshotFile);
    const res = await download();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/gzip");
    expect(res.headers.get("content-length")).toBe(String(expected.length));
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    const sha = createHash("sha256").update(expected).digest("hex");
    expect(res.headers.get("etag")).toBe(`"${sha}"`);
    expect(res.headers.get("last-modified")).toBeTruthy();
    expect(res.headers.get("content-disposition")).toMatch(
      /^attachment; filename="files-f_r dich\.tar\.gz"; filename\*=UTF-8''files-f%C3%BCr%20dich\.tar\.gz$/,
    );
    expect(Buffer.from(await res.arrayBuffer()).equals(expected)).toBe(true);
  });

  it("serves single byte ranges, 416 past the end, 304 for a matching ETag, and HEAD", async () => {
    const file = await fs.readFile(snapshotFile);
    const size = file.length;
    const cases: [string, number, number][] = [
      ["bytes=0-0", 0, 0],
      ["bytes=100-199", 100, 199],
      ["bytes=-500", size - 500, size - 1],
      ["bytes=1000-", 1000, size - 1],
    ];
    for (const [range, start, end] of cases) {
      const res = await download({ range });
      expect(res.status, range).toBe(206);
      expect(res.headers.get("content-range")).toBe(`bytes ${start}-${end}/${size}`);
      expect(Buffer.from(await res.arrayBuffer()).equals(file.subarray(start, end + 1)), range).toBe(true);
    }
    const past = await download({ range: `bytes=${size}-` });
    expect(past.status).toBe(416);
    expect(past.headers.get("content-range")).toBe(`bytes */${size}`);
    const etag = (await download({}, "HEAD")).headers.get("etag")!;
    expect((await download({ "if-none-match": etag })).status).toBe(304);
    const head = await download({}, "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(size));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it("is admin only: anonymous 401, viewer 403, unknown 404", async () => {
    expect((await fetch(`${app.url}/api/snapshots/${snapshotId}/download`)).status).toBe(401);
    expect((await download({ authorization: `Bearer ${viewer}` })).status).toBe(403);
    expect((await download({}, "GET", "no-such-snapshot")).status).toBe(404);
  });

  it("refuses a row whose file name was tampered with, reading nothing", async () => {
    const sqlite = new Database(path.join(app.dataDir, "berth.db"));
    try {
      sqlite.prepare(`UPDATE "Snapshot" SET "fileName" = ? WHERE "id" = ?`).run("../../berth.db", snapshotId);
      const res = await download();
      expect(res.status).toBe(412);
      const body = await res.text();
      expect(body).toMatch(/stored file name is invalid/);
      expect(body).not.toContain(app.dataDir);
    } finally {
      sqlite.prepare(`UPDATE "Snapshot" SET "fileName" = ? WHERE "id" = ?`).run(`${snapshotId}.tar.gz`, snapshotId);
      sqlite.close();
    }
  });
});

describe("import", () => {
  const snapshotsOf = () => trpcQuery<{ id: string; kind: string; label: string }[]>("snapshot.list", { workloadId });
  const leftovers = async () => (await fs.readdir(path.join(app.dataDir, "snapshots", workloadId))).filter((f) => f.endsWith(".tmp"));

  it("re-imports Berth's own download, raw and as a multipart upload", async () => {
    const archive = Buffer.from(await (await download()).arrayBuffer());
    const raw = await importArchive(archive, "?label=restored%20copy");
    expect(raw.status).toBe(201);
    const body = (await raw.json()) as {
      snapshot: { kind: string; label: string; sha256: string };
      matched: string[];
      unmatched: string[];
    };
    expect(body.snapshot).toMatchObject({
      kind: "imported",
      label: "restored copy",
      sha256: createHash("sha256").update(archive).digest("hex"),
    });
    expect(body).toMatchObject({ matched: ["/data"], unmatched: [] });

    const form = new FormData();
    form.append("file", new Blob([archive], { type: "application/gzip" }), "nightly backup.tar.gz");
    const multipart = await fetch(`${app.url}/api/workloads/${workloadId}/snapshots/import`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}` },
      body: form,
    });
    expect(multipart.status).toBe(201);
    expect(((await multipart.json()) as { snapshot: { label: string } }).snapshot.label).toBe("nightly backup");
  });

  const good = () => gzip(snapshotTar([dir("volumes/0/"), file("volumes/0/a.txt", "a")], { volumes: 1 }));

  const bad: [string, () => Buffer, RegExp, number?][] = [
    ["a corrupt gzip", () => flipByte(good(), -6), /gzip|checksum|crc|corrupt/i],
    ["a truncated archive", () => truncate(good(), 60), /truncated|unexpected end/i],
    ["a body that is not gzip", () => snapshotTar([file("volumes/0/a.txt", "a")], { volumes: 1 }), /not a gzip archive/i],
    ["a '../' entry", () => gzip(snapshotTar([file("volumes/0/../../x", "x")], { volumes: 1 })), /volumes\/0\/\.\.\/\.\.\/x/],
    [
      "a symlink entry",
      () => gzip(snapshotTar([record({ name: "volumes/0/l", type: "2", linkname: "/etc/passwd" })], { volumes: 1 })),
      /volumes\/0\/l.*link/i,
    ],
    ["an index beyond the manifest", () => gzip(snapshotTar([file("volumes/3/x", "x")], { volumes: 1 })), /volumes\/3\/x/],
    ["an oversize body", () => Buffer.concat([good(), Buffer.alloc(IMPORT_LIMIT + 1)]), /larger than the import limit/, 413],
  ];
  it.each(bad)("refuses %s with the reason and stores nothing", async (_, make, reason, status = 400) => {
    const before = (await snapshotsOf()).length;
    const res = await importArchive(make());
    const text = await res.text();
    expect(res.status, text).toBe(status);
    expect(text).toMatch(reason);
    expect(text).not.toContain(app.dataDir);
    expect((await snapshotsOf()).length).toBe(before);
    expect(await leftovers()).toEqual([]);
  });

  it("is admin only and refuses cross-site cookie uploads", async () => {
    expect((await fetch(`${app.url}/api/workloads/${workloadId}/snapshots/import`, { method: "POST", body: good() })).status).toBe(401);
    expect((await importArchive(good(), "", { authorization: `Bearer ${viewer}` })).status).toBe(403);
  });
});

describe("progress subscription", () => {
  const url = () => `${app.url}/api/trpc/snapshot.progress?input=${encodeURIComponent(JSON.stringify({ json: { workloadId } }))}`;

  it("needs a signed-in caller", async () => {
    // tRPC answers a subscription over SSE, so the refusal arrives as an error event.
    const res = await fetch(url(), { headers: { accept: "text/event-stream" }, signal: AbortSignal.timeout(10_000) });
    const text = await res.text().catch(() => "");
    expect(res.status === 401 || /UNAUTHORIZED/.test(text), `${res.status} ${text}`).toBe(true);
    expect(text).not.toContain("operationId");
  });

  it("streams a capture's progress to a viewer as server-sent events, ending with done", async () => {
    const controller = new AbortController();
    const res = await fetch(url(), {
      headers: { authorization: `Bearer ${viewer}`, accept: "text/event-stream" },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    let captured: string | undefined;
    const capture = trpc<{ id: string }>("snapshot.create", { workloadId, label: "watched" }).then((r) => (captured = r.id));
    let text = "";
    const finished = () => captured !== undefined && new RegExp(`"operationId":"${captured}"[^\\n]*"done":true`).test(text);
    const deadline = Date.now() + 30_000;
    while (!finished() && Date.now() < deadline) {
      const { value, done } = await Promise.race([
        reader.read(),
        new Promise<{ value?: undefined; done: false }>((r) => setTimeout(() => r({ done: false }), 500)),
      ]);
      if (done) break;
      if (value) text += new TextDecoder().decode(value);
    }
    controller.abort();
    await capture;
    expect(text).toContain(`"operationId":"${captured}"`);
    expect(text).toMatch(/"phase":"capturing"/);
    expect(finished()).toBe(true);
  });
});
