// The two storage backends on real parts: a local folder in a temp dir, and an SFTP folder on a
// real OpenSSH sshd (test/support/sftp-server.ts; no Docker, so this lives in the unit project).
// The same contract for both (round trip, resume, replace, links, names), then what only SFTP
// has: host key pinning, authentication, unreachable servers, a connection cut mid-write.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { markLocalFolder, openLocalFolder } from "~/server/engine/storage/local-folder";
import { checkPrivateKey, LIST_MAX, openSftpFolder, type SftpSecret, type SftpSettings } from "~/server/engine/storage/sftp-folder";
import type { StorageBackend } from "~/server/engine/storage/storage-backend";
import { sleep } from "../support/host-processes";
import { type SftpServer, startSftpServer } from "../support/sftp-server";

const TIMEOUT = 60_000;
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** `data` in chunks of 64 KiB, as a file stream would give it. */
const chunked = (data: Buffer) =>
  Readable.from(Array.from({ length: Math.ceil(data.length / 65_536) }, (_, i) => data.subarray(i * 65_536, (i + 1) * 65_536)));

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function write(backend: StorageBackend, name: string, offset: number, data: Buffer): Promise<number> {
  let counted = 0;
  await backend.writePartial(name, offset, chunked(data), (bytes) => {
    counted += bytes;
  });
  return counted;
}

let scratch: string;
let server: SftpServer;
beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "berth-storage-"));
  server = await startSftpServer();
}, TIMEOUT);
afterAll(async () => {
  await server?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

const sftpSettings = (over: Partial<SftpSettings> = {}): SftpSettings => ({
  host: server.host,
  port: server.port,
  username: server.username,
  folder: server.folder,
  ...over,
});
const sftpKey = (): SftpSecret => ({ privateKey: server.privateKey });

interface Fixture {
  kind: string;
  /** the folder as seen on this host */
  folder(): string;
  open(): Promise<StorageBackend>;
}

const localData = () => path.join(scratch, "data");
const localFolder = () => path.join(scratch, "local-copies");
const FIXTURES: Fixture[] = [
  {
    kind: "local folder",
    folder: localFolder,
    open: () => openLocalFolder(localFolder(), localData()),
  },
  {
    kind: "sftp",
    folder: () => server.folder,
    open: async () => (await openSftpFolder(sftpSettings(), sftpKey(), server.hostKeyFingerprint)).backend,
  },
];

describe.each(FIXTURES)("$kind backend", { timeout: TIMEOUT }, (fixture) => {
  let backend: StorageBackend;
  const inFolder = (name: string) => path.join(fixture.folder(), name);
  beforeAll(async () => {
    fs.mkdirSync(localData(), { recursive: true });
    fs.mkdirSync(localFolder(), { recursive: true });
    // A local folder is usable once saved as a target, which marks it.
    await markLocalFolder(localFolder(), localData());
    backend = await fixture.open();
  });
  afterAll(() => backend?.close());

  it("writes, commits, stats and reads back a few MB byte for byte; no temporary file stays", async () => {
    const data = randomBytes(3 * 1024 * 1024 + 123);
    expect(await write(backend, "round-trip.tar.gz", 0, data)).toBe(data.length);
    expect(await backend.partialSize("round-trip.tar.gz")).toBe(data.length);
    expect(await backend.stat("round-trip.tar.gz")).toBeNull();
    await backend.commit("round-trip.tar.gz");
    expect(await backend.stat("round-trip.tar.gz")).toEqual({ size: data.length });
    expect(await backend.partialSize("round-trip.tar.gz")).toBe(0);
    expect(sha256(await readAll(await backend.read("round-trip.tar.gz")))).toBe(sha256(data));
    expect(sha256(fs.readFileSync(inFolder("round-trip.tar.gz")))).toBe(sha256(data));
    expect(fs.existsSync(inFolder("round-trip.tar.gz.partial"))).toBe(false);
  });

  it("resumes on a new connection from the partial's size", async () => {
    const data = randomBytes(2 * 1024 * 1024 + 77);
    const half = 1024 * 1024 + 5;
    const first = await fixture.open();
    await write(first, "resumed.tar.gz", 0, data.subarray(0, half));
    await first.close();

    const second = await fixture.open();
    try {
      expect(await second.partialSize("resumed.tar.gz")).toBe(half);
      expect(await write(second, "resumed.tar.gz", half, data.subarray(half))).toBe(data.length - half);
      await second.commit("resumed.tar.gz");
      expect(sha256(await readAll(await second.read("resumed.tar.gz")))).toBe(sha256(data));
    } finally {
      await second.close();
    }
  });

  it("starts afresh from offset 0, and a commit replaces the file already there", async () => {
    await write(backend, "replaced.json", 0, Buffer.from("an older copy, longer than the new one"));
    await backend.commit("replaced.json");
    await write(backend, "replaced.json", 0, Buffer.from("a partial that goes"));
    await write(backend, "replaced.json", 0, Buffer.from("new"));
    expect(await backend.partialSize("replaced.json")).toBe(3);
    await backend.commit("replaced.json");
    expect((await readAll(await backend.read("replaced.json"))).toString()).toBe("new");
  });

  it("lists regular files with their sizes, temporary ones too, and skips links and folders", async () => {
    await write(backend, "listed.json", 0, Buffer.from("12345"));
    await backend.commit("listed.json");
    await write(backend, "pending.json", 0, Buffer.from("123"));
    const outside = path.join(scratch, "outside-list.json");
    fs.writeFileSync(outside, "not a copy");
    fs.symlinkSync(outside, inFolder("linked.json"));
    fs.mkdirSync(inFolder("a-folder.json"));

    const files = await backend.list();
    expect(files).toContainEqual({ name: "listed.json", size: 5 });
    expect(files).toContainEqual({ name: "pending.json.partial", size: 3 });
    expect(files.map((f) => f.name)).not.toContain("linked.json");
    expect(files.map((f) => f.name)).not.toContain("a-folder.json");
  });

  it("does not read or stat through a link named like a copy", async () => {
    const outside = path.join(scratch, `outside-${fixture.kind}.tar.gz`);
    fs.writeFileSync(outside, "a file outside the folder");
    fs.symlinkSync(outside, inFolder("link.tar.gz"));
    expect(await backend.stat("link.tar.gz")).toBeNull();
    await expect(backend.read("link.tar.gz")).rejects.toMatchObject({ reason: "target-io-failed", params: { detail: "ELOOP" } });
  });

  it("never writes through a link named like a temporary file", async () => {
    const outside = path.join(scratch, `victim-${fixture.kind}`);
    fs.writeFileSync(outside, "keep me");
    fs.symlinkSync(outside, inFolder("trap.tar.gz.partial"));
    expect(await backend.partialSize("trap.tar.gz")).toBe(0);
    // Resuming onto a link is refused by both.
    await expect(write(backend, "trap.tar.gz", 3, Buffer.from("xxxx"))).rejects.toMatchObject({ reason: "target-io-failed" });
    // A fresh start removes whatever has the name (the link) and creates the file exclusively.
    await write(backend, "trap.tar.gz", 0, Buffer.from("fresh"));
    expect(fs.lstatSync(inFolder("trap.tar.gz.partial")).isFile()).toBe(true);
    expect(fs.readFileSync(inFolder("trap.tar.gz.partial"), "utf8")).toBe("fresh");
    expect(fs.readFileSync(outside, "utf8")).toBe("keep me");
  });

  it("removes a copy and its temporary file; absent ones are fine", async () => {
    await write(backend, "removed.json", 0, Buffer.from("{}"));
    await backend.commit("removed.json");
    await write(backend, "removed.json", 0, Buffer.from("{"));
    await backend.remove("removed.json");
    expect(fs.existsSync(inFolder("removed.json"))).toBe(false);
    expect(fs.existsSync(inFolder("removed.json.partial"))).toBe(false);
    await backend.remove("never-there.json");
    await expect(backend.read("never-there.json")).rejects.toMatchObject({ code: "NOT_FOUND", reason: "copy-not-found-remote" });
  });

  it.each(["../escape.json", "sub/dir.json", "..", "x.txt", "a.json\0"])("refuses the name %j", async (name) => {
    const refused = { code: "BAD_REQUEST", reason: "remote-name-invalid" };
    await expect(backend.writePartial(name, 0, chunked(Buffer.from("x")))).rejects.toMatchObject(refused);
    await expect(backend.read(name)).rejects.toMatchObject(refused);
    await expect(backend.stat(name)).rejects.toMatchObject(refused);
    await expect(backend.remove(name)).rejects.toMatchObject(refused);
    expect(fs.existsSync(path.join(fixture.folder(), "..", "escape.json"))).toBe(false);
  });
});

describe("local folder", () => {
  it("refuses a folder inside the data folder, or holding it", async () => {
    const data = path.join(scratch, "data2");
    fs.mkdirSync(path.join(data, "copies"), { recursive: true });
    for (const folder of [path.join(data, "copies"), data, scratch]) {
      await expect(openLocalFolder(folder, data)).rejects.toMatchObject({ code: "BAD_REQUEST", reason: "target-folder-invalid" });
    }
  });
});

describe("sftp connection", { timeout: TIMEOUT }, () => {
  it("pins the host key on first use: the one ssh-keygen -lf prints", async () => {
    const fromKeygen = execFileSync("ssh-keygen", ["-l", "-f", path.join(path.dirname(server.folder), "host_key.pub")], {
      encoding: "utf8",
    });
    expect(fromKeygen.split(" ")[1]).toBe(server.hostKeyFingerprint);
    const first = await openSftpFolder(sftpSettings(), sftpKey(), null);
    await first.backend.close();
    expect(first.hostKey).toBe(server.hostKeyFingerprint);
    const again = await openSftpFolder(sftpSettings(), sftpKey(), first.hostKey);
    await again.backend.close();
    expect(again.hostKey).toBe(first.hostKey);
  });

  it("refuses a changed host key before authenticating", async () => {
    const wrong = `SHA256:${randomBytes(32).toString("base64").replace(/=+$/, "")}`;
    const before = server.log().length;
    await expect(openSftpFolder(sftpSettings(), sftpKey(), wrong)).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      reason: "target-host-key-mismatch",
      params: { expected: wrong, actual: server.hostKeyFingerprint },
    });
    const refused = await logOfNewConnections(before);
    // The key is one the server accepts: any attempt with it would log "Accepted key", and any
    // authentication request at all names the user ("authenticating user root", "Invalid user").
    expect(refused).not.toMatch(/user|publickey|password|Accepted|Failed|Postponed/i);

    // The same log does show an authentication when the key is right.
    const mark = server.log().length;
    const good = await openSftpFolder(sftpSettings(), sftpKey(), server.hostKeyFingerprint);
    await good.backend.close();
    expect(await logOfNewConnections(mark)).toMatch(/Accepted publickey for /);
  });

  it("reports a refused user, key or password as target-auth-failed", async () => {
    const otherKey = path.join(scratch, "other_key");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", otherKey]);
    const authFailed = { code: "PRECONDITION_FAILED", reason: "target-auth-failed" };
    await expect(openSftpFolder(sftpSettings({ username: "no-such-user" }), sftpKey(), null)).rejects.toMatchObject(authFailed);
    await expect(openSftpFolder(sftpSettings(), { privateKey: fs.readFileSync(otherKey, "utf8") }, null)).rejects.toMatchObject(authFailed);
    await expect(openSftpFolder(sftpSettings(), { password: "wrong" }, null)).rejects.toMatchObject(authFailed);
  });

  it("refuses key text that is not a usable private key, before connecting", async () => {
    const locked = path.join(scratch, "locked_key");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "right passphrase", "-f", locked]);
    const lockedKey = fs.readFileSync(locked, "utf8");
    const before = server.log().length;
    const invalid = { code: "BAD_REQUEST", reason: "target-key-invalid" };
    for (const secret of [
      { privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----\n" },
      { privateKey: fs.readFileSync(`${locked}.pub`, "utf8") },
      { privateKey: lockedKey },
      { privateKey: lockedKey, passphrase: "wrong passphrase" },
    ]) {
      await expect(openSftpFolder(sftpSettings(), secret, null)).rejects.toMatchObject(invalid);
      // The same check on its own, for a target being saved.
      expect(() => checkPrivateKey(secret.privateKey, secret.passphrase)).toThrow(expect.objectContaining(invalid));
    }
    expect(server.log().slice(before)).not.toMatch(/Connection from/);
    expect(() => checkPrivateKey(lockedKey, "right passphrase")).not.toThrow();
    expect(() => checkPrivateKey(server.privateKey)).not.toThrow();
    await expect(openSftpFolder(sftpSettings(), {}, null)).rejects.toMatchObject({ reason: "target-credentials-required" });
  });

  it("reports a closed port as target-unreachable with the errno code", async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    await expect(openSftpFolder(sftpSettings({ port: closedPort }), sftpKey(), null)).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      reason: "target-unreachable",
      params: { detail: "ECONNREFUSED" },
    });
  });

  it("gives up on a server that accepts but never speaks SSH: target-unreachable, timeout", async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = silent.address() as { port: number };
      await expect(openSftpFolder(sftpSettings({ port }), sftpKey(), null, { readyTimeoutMs: 300 })).rejects.toMatchObject({
        reason: "target-unreachable",
        params: { detail: "timeout" },
      });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("checks the folder: there, a folder, no ..; the problem is a code", async () => {
    const invalid = (problem: string) => ({ code: "BAD_REQUEST", reason: "target-folder-invalid", params: { problem } });
    await expect(openSftpFolder(sftpSettings({ folder: path.join(server.folder, "missing") }), sftpKey(), null)).rejects.toMatchObject(
      invalid("missing"),
    );
    const aFile = path.join(path.dirname(server.folder), "a-file");
    fs.writeFileSync(aFile, "");
    await expect(openSftpFolder(sftpSettings({ folder: aFile }), sftpKey(), null)).rejects.toMatchObject(invalid("notAFolder"));
    for (const [folder, problem] of [
      [`${server.folder}/../folder`, "hasDotdot"],
      ["a\0b", "hasDotdot"],
      ["", "missing"],
    ]) {
      await expect(openSftpFolder(sftpSettings({ folder }), sftpKey(), null)).rejects.toMatchObject(invalid(problem as string));
    }
  });

  it(`lists the first ${LIST_MAX} entries of a folder holding more, page by page, and logs the cut`, async () => {
    const many = path.join(path.dirname(server.folder), "many");
    fs.mkdirSync(many);
    const sizes = new Map<string, number>();
    for (let i = 0; i < LIST_MAX + 50; i++) {
      const name = `copy-${String(i).padStart(5, "0")}.json`;
      fs.writeFileSync(path.join(many, name), "x".repeat(i % 7));
      sizes.set(name, i % 7);
    }
    const warnings: object[] = [];
    const log = { warn: (detail: object) => warnings.push(detail) };
    const { backend } = await openSftpFolder(sftpSettings({ folder: many }), sftpKey(), server.hostKeyFingerprint, { log });
    try {
      const files = await backend.list();
      expect(files).toHaveLength(LIST_MAX);
      expect(new Set(files.map((f) => f.name)).size).toBe(LIST_MAX);
      for (const file of files) expect(file.size).toBe(sizes.get(file.name));
      expect(warnings).toEqual([expect.objectContaining({ listed: LIST_MAX })]);

      // Under the cap nothing is left out and nothing is logged.
      for (const name of [...sizes.keys()].slice(0, 100)) fs.rmSync(path.join(many, name));
      const all = await backend.list();
      expect(all.map((f) => f.name).sort()).toEqual([...sizes.keys()].slice(100));
      expect(warnings).toHaveLength(1);
    } finally {
      await backend.close();
    }
  });

  it("fails a write whose connection is cut, even while the source waits; the partial holds a prefix and resumes", async () => {
    const data = randomBytes(3 * 1024 * 1024);
    const cutAfter = 1024 * 1024;
    let sent = 0;
    // Gives 1 MiB, cuts the connection, then never gives another byte: only the loss can end the write.
    const source = new Readable({
      read() {
        if (sent >= cutAfter) {
          if (sent === cutAfter) {
            sent += 1;
            void server.killSessions();
          }
          return;
        }
        const chunk = data.subarray(sent, Math.min(sent + 65_536, cutAfter));
        sent += chunk.length;
        this.push(chunk);
      },
    });
    const { backend } = await openSftpFolder(sftpSettings(), sftpKey(), server.hostKeyFingerprint);
    await expect(backend.writePartial("cut.tar.gz", 0, source)).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      reason: "target-io-failed",
      params: { detail: "ECONNRESET" },
    });
    await expect(backend.stat("cut.tar.gz")).rejects.toMatchObject({ reason: "target-io-failed", params: { detail: "ECONNRESET" } });
    await backend.close();

    const { backend: next } = await openSftpFolder(sftpSettings(), sftpKey(), server.hostKeyFingerprint);
    try {
      const kept = await next.partialSize("cut.tar.gz");
      expect(kept).toBeLessThanOrEqual(cutAfter);
      expect(sha256(fs.readFileSync(path.join(server.folder, "cut.tar.gz.partial")))).toBe(sha256(data.subarray(0, kept)));
      await write(next, "cut.tar.gz", kept, data.subarray(kept));
      await next.commit("cut.tar.gz");
      expect(sha256(await readAll(await next.read("cut.tar.gz")))).toBe(sha256(data));
    } finally {
      await next.close();
    }
  });

  it("fails a read whose connection is cut while the reader pauses", async () => {
    const { backend } = await openSftpFolder(sftpSettings(), sftpKey(), server.hostKeyFingerprint);
    await write(backend, "read-cut.tar.gz", 0, randomBytes(4 * 1024 * 1024));
    await backend.commit("read-cut.tar.gz");
    const stream = await backend.read("read-cut.tar.gz");
    const reader = stream[Symbol.asyncIterator]();
    expect((await reader.next()).done).toBe(false);
    // Until the stream's buffer is full and the SFTP reads stop: then no request is waiting for an
    // answer that the cut would fail, and only noticing the loss itself can end the read.
    while (stream.readableLength < stream.readableHighWaterMark) await sleep(10);
    await sleep(100);
    await server.killSessions();
    // The reader asks again only now: buffered chunks may come first, then the loss, never a hang.
    await expect(
      (async () => {
        for (let step = await reader.next(); !step.done; step = await reader.next());
      })(),
    ).rejects.toMatchObject({ reason: "target-io-failed", params: { detail: "ECONNRESET" } });
    await backend.close();
  });
});

/**
 * sshd's log lines about the connections that started after `offset`, once all of them ended
 * (sshd logs the end last). Lines naming another connection's port are left out; lines naming
 * no port (e.g. "Accepted key … found at") are kept.
 */
async function logOfNewConnections(offset: number): Promise<string> {
  for (;;) {
    const text = server.log().slice(offset);
    const ports = new Set([...text.matchAll(/Connection from 127\.0\.0\.1 port (\d+)/g)].map((m) => m[1]));
    const ended = [...ports].every((port) =>
      new RegExp(`(Connection closed by|Disconnected from|Connection reset by) .*port ${port}\\b`).test(text),
    );
    if (ports.size > 0 && ended) {
      return text
        .split("\n")
        .filter((line) => {
          const port = /port (\d+)/.exec(line)?.[1];
          return port === undefined || ports.has(port);
        })
        .join("\n");
    }
    await sleep(20);
  }
}
