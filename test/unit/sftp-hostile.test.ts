// The SFTP backend against servers that stay connected but misbehave (test/support/stuck-sftp-server.ts,
// ssh2's own Server on loopback): a request never answered fails at the idle deadline with
// target-unreachable, timeout, and cuts the connection; close() returns at its deadline from a
// server that never closes its side. The deadlines here are short; without a deadline each call
// would wait forever, and these tests fail at their timeout.
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { openSftpFolder, type SftpOptions } from "~/server/engine/storage/sftp-folder";
import { sleep } from "../support/host-processes";
import { type StuckMode, type StuckRequest, type StuckSftpServer, startStuckSftpServer } from "../support/stuck-sftp-server";

const TIMEOUT = 20_000;
const DEADLINES: SftpOptions = { idleTimeoutMs: 300, closeTimeoutMs: 300 };
const timedOut = { code: "PRECONDITION_FAILED", reason: "target-unreachable", params: { detail: "timeout" } };

let server: StuckSftpServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function start(mode: StuckMode, unanswered?: StuckRequest[]): Promise<StuckSftpServer> {
  server = await startStuckSftpServer(mode, unanswered);
  return server;
}

const open = (stuck: StuckSftpServer, options: SftpOptions = DEADLINES) =>
  openSftpFolder(
    { host: stuck.host, port: stuck.port, username: "anyone", folder: stuck.folder },
    { password: "anything" },
    stuck.hostKeyFingerprint,
    options,
  );

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(10);
}

async function drain(stream: Readable): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) bytes += (chunk as Buffer).length;
  return bytes;
}

describe("sftp against a stuck server", { timeout: TIMEOUT }, () => {
  it("fails a stat the server never answers with target-unreachable timeout, and cuts the connection", async () => {
    const stuck = await start("silent");
    const { backend } = await open(stuck);
    await expect(backend.stat("waiting.json")).rejects.toMatchObject(timedOut);
    expect(stuck.received()).toContain("LSTAT");
    // The connection is gone: the server sees the client's side end, and later calls fail at once the same way.
    await until(() => stuck.endedByClient() === 1);
    await expect(backend.partialSize("waiting.json")).rejects.toMatchObject(timedOut);
    await backend.close();
  });

  it("fails a read whose READ is never answered, through the stream", async () => {
    const stuck = await start("silent", ["READ"]);
    const { backend } = await open(stuck);
    const stream = await backend.read("waiting.tar.gz");
    await expect(drain(stream)).rejects.toMatchObject(timedOut);
    expect(stuck.received()).toEqual(expect.arrayContaining(["LSTAT", "OPEN", "READ"]));
    await backend.close();
  });

  it("fails a read whose lstat is never answered", async () => {
    const stuck = await start("silent");
    const { backend } = await open(stuck);
    await expect(backend.read("waiting.tar.gz")).rejects.toMatchObject(timedOut);
    await backend.close();
  });

  it("fails a write whose OPEN is never answered, and one whose WRITEs are never answered", async () => {
    const source = () => Readable.from([Buffer.alloc(100_000, 1)]);
    const silentOpen = await start("silent");
    const first = await open(silentOpen);
    await expect(first.backend.writePartial("waiting.tar.gz", 0, source())).rejects.toMatchObject(timedOut);
    expect(silentOpen.received()).toContain("OPEN");
    await first.backend.close();
    await silentOpen.stop();

    const silentWrite = await start("silent", ["WRITE"]);
    const second = await open(silentWrite);
    await expect(second.backend.writePartial("waiting.tar.gz", 0, source())).rejects.toMatchObject(timedOut);
    expect(silentWrite.received()).toContain("WRITE");
    await second.backend.close();
  });

  it("gives up opening the folder when REALPATH is never answered", async () => {
    const stuck = await start("silent", ["REALPATH"]);
    await expect(open(stuck)).rejects.toMatchObject(timedOut);
    await until(() => stuck.endedByClient() === 1);
  });

  it("answers every request of a server that does answer (the stuck server itself works)", async () => {
    const stuck = await start("silent", []);
    const { backend } = await open(stuck);
    expect(await backend.stat("there.tar.gz")).toEqual({ size: 1024 * 1024 });
    expect(await drain(await backend.read("there.tar.gz"))).toBe(1024 * 1024);
    expect(await backend.list()).toEqual([{ name: "a.json", size: 1024 * 1024 }]);
    await backend.close();
  });
});

describe("sftp close against a server that never closes", { timeout: TIMEOUT }, () => {
  it("returns at the close deadline after ending its side, while the server still holds the connection", async () => {
    const stuck = await start("no-fin");
    const { backend } = await open(stuck);
    expect(await backend.stat("there.json")).toEqual({ size: 1024 * 1024 });
    await backend.close();
    // The client ended politely first; the server never closed, so only the deadline ended close().
    await until(() => stuck.endedByClient() === 1);
    expect(stuck.closed()).toBe(0);
  });
});
