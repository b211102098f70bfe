import fs from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { dir, gzip, snapshotTar } from "../support/archive-builder";
import { type AppServer, startAppServer } from "../support/app-server";
import { createApiToken, createDataWorkload, trpcHttp } from "../support/trpc-http";

// Issue 11 item 5: a client that goes away in the middle of an import upload, raw or
// multipart, against `next start`: no `.tmp` left, the operation ends as failed, no
// uncaught exception, and the server goes on serving.
let app: AppServer;
let admin: string;
let workloadId: string;

interface OperationEvent {
  operationId: string;
  kind: string;
  phase: string;
  done: boolean;
  error?: string;
}

/** Every progress event of the workload, as the UI's subscription receives them. */
async function watchOperations() {
  const controller = new AbortController();
  const url = `${app.url}/api/trpc/snapshot.progress?input=${encodeURIComponent(JSON.stringify({ json: { workloadId } }))}`;
  const res = await fetch(url, { headers: { authorization: `Bearer ${admin}`, accept: "text/event-stream" }, signal: controller.signal });
  expect(res.status).toBe(200);
  const events: OperationEvent[] = [];
  const find = (value: unknown): void => {
    if (!value || typeof value !== "object") return;
    if ("operationId" in value) events.push(value as OperationEvent);
    else for (const v of Object.values(value)) find(v);
  };
  void (async () => {
    let pending = "";
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) if (line.startsWith("data:")) find(JSON.parse(line.slice(5)));
    }
  })().catch(() => {});
  return { events, stop: () => controller.abort() };
}

const snapshotsFolder = () => path.join(app.dataDir, "snapshots", workloadId);
const tmpFiles = async () => (await fs.readdir(snapshotsFolder()).catch(() => [] as string[])).filter((n) => n.endsWith(".tmp"));
const tmpBytes = async () => {
  let total = 0;
  for (const name of await tmpFiles()) total += (await fs.stat(path.join(snapshotsFolder(), name)).catch(() => ({ size: 0 }))).size;
  return total;
};

/**
 * Sends the start of an upload that announces more than it sends, waits until the server is
 * writing it to its `.tmp`, then drops the connection.
 */
async function uploadThenDrop(headers: Record<string, string>, start: Buffer, announced: number) {
  const req = http.request(`${app.url}/api/workloads/${workloadId}/snapshots/import`, {
    method: "POST",
    headers: { authorization: `Bearer ${admin}`, "content-length": String(announced), ...headers },
  });
  req.on("error", () => {}); // the connection is ours to destroy
  req.on("response", (res) => res.resume());
  req.write(start);
  await expect.poll(tmpBytes, { timeout: 60_000 }).toBeGreaterThan(0);
  req.destroy();
}

async function expectCancelledCleanly(watch: Awaited<ReturnType<typeof watchOperations>>) {
  await expect.poll(tmpFiles, { timeout: 60_000 }).toEqual([]);
  // Imports seen running (the subscription also replays earlier ones, already finished).
  const running = () => new Set(watch.events.filter((e) => e.kind === "import" && !e.done).map((e) => e.operationId));
  const finished = () => watch.events.filter((e) => running().has(e.operationId) && e.done);
  await expect.poll(() => finished().length, { timeout: 60_000 }).toBeGreaterThan(0);
  expect(running().size).toBe(1);
  expect(finished()).toHaveLength(1);
  expect(finished()[0]).toMatchObject({ phase: "failed", error: "The upload was cancelled" });
  // The server still answers, and takes a whole upload as before.
  expect((await fetch(`${app.url}/api/health`)).ok).toBe(true);
  const ok = await fetch(`${app.url}/api/workloads/${workloadId}/snapshots/import?label=after`, {
    method: "POST",
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/gzip" },
    body: new Uint8Array(gzip(snapshotTar([dir("volumes/0/")], { volumes: 1 }))),
  });
  expect(ok.status, await ok.clone().text()).toBe(201);
  expect(await tmpFiles()).toEqual([]);
  expect(app.logs()).not.toMatch(/uncaught|unhandled/i);
}

// Bytes of no importance: the upload is cut before anything reads them as an archive.
const filler = (n: number) => Buffer.alloc(n, 0x61);

beforeAll(async () => {
  app = await startAppServer({ BERTH_IMPORT_MAX_BYTES: String(64 * 1024 * 1024) });
  admin = createApiToken(app.dataDir, "admin");
  const trpc = <T>(procedure: string, input: unknown) => trpcHttp(app.url, admin).mutate<T>(procedure, input);
  workloadId = await createDataWorkload(trpc, { project: "abort", name: "uploads", source: "uploads", image: inject("testImage") });
});
afterAll(async () => {
  await app?.stop();
});

describe("a cancelled import", () => {
  it("raw body: the connection dropped mid-upload leaves no .tmp and a failed operation", async () => {
    const watch = await watchOperations();
    try {
      await uploadThenDrop({ "content-type": "application/gzip" }, filler(1024 * 1024), 32 * 1024 * 1024);
      await expectCancelledCleanly(watch);
    } finally {
      watch.stop();
    }
  });

  it("multipart body: the connection dropped inside the file part leaves no .tmp and a failed operation", async () => {
    const watch = await watchOperations();
    try {
      const boundary = "----berth-abort-test";
      const head = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="label"\r\n\r\ncut short\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.tar.gz"\r\nContent-Type: application/gzip\r\n\r\n`,
      );
      await uploadThenDrop(
        { "content-type": `multipart/form-data; boundary=${boundary}` },
        Buffer.concat([head, filler(1024 * 1024)]),
        32 * 1024 * 1024,
      );
      await expectCancelledCleanly(watch);
    } finally {
      watch.stop();
    }
  });
});
