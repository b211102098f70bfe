// Issue 17, item 7: a workload's log lines with Docker's times, only the newer ones with
// `since`, stdout and stderr apart, and the download route streaming the whole log, against
// the private test engine.
import { beforeAll, describe, expect, inject, it } from "vitest";
import { GET } from "~/app/api/workloads/[id]/logs/route";
import { createDockerClient } from "~/server/docker/client";
import { createDockerRuntime } from "~/server/docker/container-runtime";
import { engineDeps } from "~/server/engine-deps";
import { LOG_TIME, workloadLogs } from "~/server/engine/workloads/workload-logs";
import { containerRef, deployWorkload, loadWorkload } from "~/server/engine/workloads/workloads";
import { removeWorkloadContainersAfterAll } from "../support/container-cleanup";
import { createIdentities, type IdentityName } from "../support/identities";
import { longRunning, makeWorkload, testActor } from "../support/workload-fixtures";

removeWorkloadContainersAfterAll();

const LINES = 300;
/** Writes `out i` to stdout and `err i` to stderr for i below LINES, then waits. */
const chatty = longRunning(`i=0; while [ $i -lt ${LINES} ]; do echo "out $i"; echo "err $i" >&2; i=$((i+1)); done`);
/** A line every fifth of a second, numbered. */
const ticking = longRunning("i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.2; done");
const NORMALIZED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/;

let chattyId: string;
let fileName: string;
let headers: Record<IdentityName, Record<string, string>>;

beforeAll(async () => {
  const w = await makeWorkload({ name: "chatty", command: chatty });
  chattyId = w.id;
  fileName = `${w.projectSlug}-production-chatty.log`;
  await deployWorkload(engineDeps, testActor, w.id);
  // Until every line is written (expect.poll works only inside a test).
  for (let i = 0; i < 300 && (await workloadLogs(engineDeps, testActor, { id: w.id, tail: 2000 })).length < 2 * LINES; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  headers = (await createIdentities(engineDeps)).headers;
});

describe("workload.logs", () => {
  it("gives the last lines with Docker's times, oldest first, stdout and stderr told apart", async () => {
    const all = await workloadLogs(engineDeps, testActor, { id: chattyId, tail: 2000 });
    expect(all).toHaveLength(2 * LINES);
    for (const line of all) {
      expect(line.time).toMatch(NORMALIZED);
      expect(line.time).toMatch(LOG_TIME);
      expect(line.stream).toBe(line.text.startsWith("err ") ? "stderr" : "stdout");
    }
    // Docker reads stdout and stderr apart: each stream is whole and in order, the two interleave unevenly.
    for (const stream of ["stdout", "stderr"] as const) {
      const mine = all.filter((l) => l.stream === stream);
      expect(mine.map((l) => l.time)).toEqual(mine.map((l) => l.time).sort());
      expect(mine.map((l) => Number(l.text.split(" ")[1]))).toEqual(mine.map((_, i) => i));
    }
    expect(await workloadLogs(engineDeps, testActor, { id: chattyId, tail: 150 })).toEqual(all.slice(-150));
    // The default tail.
    expect(await workloadLogs(engineDeps, testActor, { id: chattyId })).toEqual(all.slice(-200));
  });

  it("with since, gives only the lines written after that time, not the line of that time itself", async () => {
    const all = await workloadLogs(engineDeps, testActor, { id: chattyId, tail: 2000 });
    // Lines of one time would be indistinguishable: pick one whose time is its own.
    const k = all.findIndex((l, i) => i > 100 && l.time !== all[i - 1]?.time && l.time !== all[i + 1]?.time);
    expect(k).toBeGreaterThan(0);
    const since = all[k]!.time;
    const newer = await workloadLogs(engineDeps, testActor, { id: chattyId, tail: 2000, since });
    // By time, not by place: the two streams' lines may be stamped a little out of the order they were stored in.
    const expected = all.filter((l) => l.time > since);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(all.length - 100);
    expect(newer).toEqual(expected);
    const newest = all
      .map((l) => l.time)
      .sort()
      .at(-1)!;
    expect(await workloadLogs(engineDeps, testActor, { id: chattyId, since: newest })).toEqual([]);
    // Docker's short form of the same time ("…:05.1Z") is the same moment.
    const short = all[k]!.time.replace(/0+Z$/, "Z").replace(/\.Z$/, "Z");
    expect(await workloadLogs(engineDeps, testActor, { id: chattyId, tail: 2000, since: short })).toEqual(expected);
  });

  it("following: a poll with the newest time gets the lines written since, and only those", async () => {
    const w = await makeWorkload({ name: "ticker", command: ticking });
    await deployWorkload(engineDeps, testActor, w.id);
    await expect.poll(async () => (await workloadLogs(engineDeps, testActor, { id: w.id })).length).toBeGreaterThan(2);
    const seen = await workloadLogs(engineDeps, testActor, { id: w.id, tail: 2000 });
    const last = seen.at(-1)!;
    let fresh: Awaited<ReturnType<typeof workloadLogs>> = [];
    await expect
      .poll(async () => (fresh = await workloadLogs(engineDeps, testActor, { id: w.id, since: last.time })).length)
      .toBeGreaterThan(0);
    const n = Number(last.text.split(" ")[1]);
    expect(fresh.map((l) => l.text)).toEqual(fresh.map((_, i) => `tick ${n + 1 + i}`));
    for (const l of fresh) expect(l.time > last.time).toBe(true);
  });

  it("a workload without a container has no lines; a malformed since is refused", async () => {
    const w = await makeWorkload({ name: "quiet" });
    expect(await workloadLogs(engineDeps, testActor, { id: w.id })).toEqual([]);
    await expect(workloadLogs(engineDeps, testActor, { id: chattyId, since: "yesterday" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});

const download = (identity: IdentityName, id = chattyId) =>
  GET(new Request(`http://berth.test:3000/api/workloads/${id}/logs`, { headers: headers[identity] }), { params: Promise.resolve({ id }) });

describe("GET /api/workloads/{id}/logs", () => {
  it("refuses anonymous and revoked callers with 401", async () => {
    for (const identity of ["anonymous", "revokedToken"] as const) {
      const res = await download(identity);
      expect(res.status, identity).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: "UNAUTHORIZED" } });
    }
  });

  it("streams the whole log to a viewer as a text file named after the workload", async () => {
    for (const identity of ["viewer", "viewerToken", "admin"] as const) {
      const res = await download(identity);
      expect(res.status, identity).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      expect(res.headers.get("content-disposition")).toContain(`attachment; filename="${fileName}"`);
      const bytes = Buffer.from(await res.arrayBuffer());
      // No frame header of Docker's multiplexed stream (its type byte, three zeros) is left in the text.
      expect(bytes.includes(Buffer.from([0, 0, 0]))).toBe(false);
      expect(bytes.includes(1)).toBe(false);
      expect(bytes.includes(2)).toBe(false);
      const lines = bytes.toString("utf8").trimEnd().split("\n");
      expect(lines).toHaveLength(2 * LINES);
      const texts = new Set(lines.map((line) => line.replace(/^\S+Z /, "")));
      // Every line, also those far beyond the panel's tail.
      for (let i = 0; i < LINES; i++) expect(texts.has(`out ${i}`) && texts.has(`err ${i}`), `line ${i}`).toBe(true);
      for (const line of lines) expect(line).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z (out|err) \d+$/);
    }
  });

  it("an unknown workload is 404; one without a container gives an empty file", async () => {
    expect((await download("viewer", "nope")).status).toBe(404);
    const w = await makeWorkload({ name: "silent" });
    const res = await download("viewer", w.id);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
  });

  it("past the size cap, the newest whole lines are kept and the download says so", async () => {
    const ref = containerRef(await loadWorkload(engineDeps.db, chattyId));
    const full = await engineDeps.runtime.downloadLogs(ref, { maxBytes: 10 * 1024 * 1024 });
    const capped = await engineDeps.runtime.downloadLogs(ref, { maxBytes: 2000 });
    const all = await text(full!.body);
    const newest = await text(capped!.body);
    // Known once the log has been read through (one pass: the headers went out before).
    expect(full?.truncated).toBe(false);
    expect(capped?.truncated).toBe(true);
    expect(Buffer.byteLength(newest)).toBeLessThanOrEqual(2000);
    expect(Buffer.byteLength(newest)).toBeGreaterThan(1500);
    expect(all.endsWith(newest)).toBe(true);
    expect(newest).toMatch(/^\S+Z (out|err) \d+\n/);
  });

  it("reads Docker's log once per download", async () => {
    const docker = createDockerClient(inject("dockerHost"));
    const dial = docker.modem.dial.bind(docker.modem);
    const logReads: string[] = [];
    docker.modem.dial = ((options: { path?: string }, callback: never) => {
      if (options.path?.includes("/logs")) logReads.push(options.path);
      return dial(options as never, callback);
    }) as typeof docker.modem.dial;
    const runtime = createDockerRuntime(docker, { networkMode: "none" });
    const ref = containerRef(await loadWorkload(engineDeps.db, chattyId));
    for (const maxBytes of [10 * 1024 * 1024, 2000]) {
      logReads.length = 0;
      const download = await runtime.downloadLogs(ref, { maxBytes });
      expect((await text(download!.body)).length).toBeGreaterThan(0);
      expect(logReads, `maxBytes ${maxBytes}`).toHaveLength(1);
    }
  });

  it("one download per workload at a time: a second one while the first is being read is 429 log-download-busy", async () => {
    const first = await download("viewer");
    expect(first.status).toBe(200);
    const second = await download("admin");
    expect(second.status).toBe(429);
    expect(await second.json()).toMatchObject({ error: { code: "TOO_MANY_REQUESTS", reason: "log-download-busy" } });
    // Another workload's log is not held up.
    const other = await makeWorkload({ name: "other" });
    expect((await download("viewer", other.id)).status).toBe(200);
    // Read to its end, the first one frees the slot.
    expect((await first.text()).trimEnd().split("\n")).toHaveLength(2 * LINES);
    const third = await download("viewer");
    expect(third.status).toBe(200);
    // A reader that leaves before the first byte frees it too.
    await third.body!.cancel();
    const fourth = await download("viewer");
    expect(fourth.status).toBe(200);
    expect((await fourth.text()).length).toBeGreaterThan(0);
  });
});

async function text(body: AsyncIterable<Buffer>) {
  const parts: Buffer[] = [];
  for await (const part of body) parts.push(part);
  return Buffer.concat(parts).toString("utf8");
}
