// A hostile or stuck SFTP server made with ssh2's own Server class, for the deadlines of the SFTP
// backend: loopback only, a host key generated for it, any user and credential accepted. It
// answers the SFTP init and what opening a folder needs (REALPATH, STAT), then by mode:
//   silent:  never answers the requests named in `unanswered` (default OPEN, LSTAT, READ);
//            the others get plausible answers (every path but the folder is a 1 MiB file).
//   endless: answers every READ with a full piece of data, never EOF.
//   no-fin:  answers like silent with nothing unanswered, but never closes its side of the TCP
//            connection, even after the client's disconnect and FIN.
// Sockets come from a net.Server of its own (allowHalfOpen, so a client's FIN does not close
// them by itself) and are handed to ssh2's Server with injectSocket.
import type { EventEmitter } from "node:events";
import net, { type AddressInfo } from "node:net";
import ssh2, { type Connection, type SFTPWrapper } from "ssh2";
import { hostKeyFingerprint } from "~/server/engine/storage/sftp-connect";

const { Server, utils } = ssh2;
const { STATUS_CODE } = utils.sftp;

export type StuckMode = "silent" | "endless" | "no-fin";
const REQUESTS = ["OPEN", "LSTAT", "STAT", "READ", "WRITE", "REMOVE", "OPENDIR", "READDIR", "REALPATH", "CLOSE"] as const;
export type StuckRequest = (typeof REQUESTS)[number];

export interface StuckSftpServer {
  host: "127.0.0.1";
  port: number;
  /** the folder REALPATH and STAT present as the one a backend opens */
  folder: string;
  /** "SHA256:…" of its host key */
  hostKeyFingerprint: string;
  /** the SFTP requests received so far, by name ("OPEN", "READ", …), in order */
  received(): string[];
  /** client sockets that sent their FIN (ended their side) so far */
  endedByClient(): number;
  /** client sockets that are fully closed so far */
  closed(): number;
  /** Destroys every connection and stops listening. */
  stop(): Promise<void>;
}

const FOLDER = "/stuck";
const FILE_SIZE = 1024 * 1024;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

/**
 * An ed25519 host key ssh2 can read back. About 1 in 256 of the keys ssh2 generates have a
 * public half its own parseKey refuses (it strips a leading zero byte of the key:
 * mscdex/ssh2#1513, #1390); such a key is simply made again.
 */
function generateHostKey() {
  for (let attempt = 0; ; attempt++) {
    const key = utils.generateKeyPairSync("ed25519");
    const parsed = utils.parseKey(key.public);
    if (!(parsed instanceof Error)) return { private: key.private, parsed };
    if (attempt >= 10) throw parsed;
  }
}

export async function startStuckSftpServer(
  mode: StuckMode,
  unanswered: readonly StuckRequest[] = mode === "silent" ? ["OPEN", "LSTAT", "READ"] : [],
): Promise<StuckSftpServer> {
  const hostKey = generateHostKey();
  const parsed = hostKey.parsed;
  const received: string[] = [];
  const sockets = new Set<net.Socket>();
  let endedByClient = 0;
  let closed = 0;

  const ssh = new Server({ hostKeys: [hostKey.private] }, (client: Connection) => {
    client.on("authentication", (ctx) => ctx.accept());
    client.on("error", () => {});
    client.on("session", (accept) => {
      accept().on("sftp", (acceptSftp) => serve(acceptSftp(), mode, new Set(unanswered), received));
    });
  });

  const listener = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("end", () => {
      endedByClient += 1;
    });
    socket.on("close", () => {
      closed += 1;
      sockets.delete(socket);
    });
    if (mode === "no-fin") {
      // ssh2 ends the socket on the client's disconnect message: this server does not.
      socket.end = (() => socket) as typeof socket.end;
    }
    ssh.injectSocket(socket);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(0, "127.0.0.1", () => resolve());
  });

  return {
    host: "127.0.0.1",
    port: (listener.address() as AddressInfo).port,
    folder: FOLDER,
    hostKeyFingerprint: hostKeyFingerprint(parsed.getPublicSSH()),
    received: () => [...received],
    endedByClient: () => endedByClient,
    closed: () => closed,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}

function serve(sftp: SFTPWrapper, mode: StuckMode, unanswered: Set<StuckRequest>, received: string[]) {
  const attrs = (path: string) => {
    const folder = path === FOLDER;
    return { mode: folder ? S_IFDIR | 0o755 : S_IFREG | 0o644, uid: 0, gid: 0, size: folder ? 0 : FILE_SIZE, atime: 0, mtime: 0 };
  };
  let handles = 0;
  const handle = () => Buffer.from(String(++handles));
  let listed = false;
  const answer = (name: StuckRequest, reqId: number, args: unknown[]) => {
    // The arguments after the request id, as ssh2 emits them (SFTPWrapper's server events).
    switch (name) {
      case "REALPATH": {
        const resolved = args[0] === "." || args[0] === FOLDER ? FOLDER : String(args[0]);
        return sftp.name(reqId, [{ filename: resolved, longname: resolved, attrs: attrs(resolved) }]);
      }
      case "STAT":
      case "LSTAT":
        return sftp.attrs(reqId, attrs(String(args[0])));
      case "OPEN":
      case "OPENDIR":
        return sftp.handle(reqId, handle());
      case "READDIR":
        if (listed) return sftp.status(reqId, STATUS_CODE.EOF);
        listed = true;
        return sftp.name(reqId, [{ filename: "a.json", longname: "a.json", attrs: attrs(`${FOLDER}/a.json`) }]);
      case "READ": {
        const [at, size] = [Number(args[1]), Number(args[2])];
        if (mode === "endless") return sftp.data(reqId, Buffer.alloc(size, 0x61));
        if (at >= FILE_SIZE) return sftp.status(reqId, STATUS_CODE.EOF);
        return sftp.data(reqId, Buffer.alloc(Math.min(size, FILE_SIZE - at), 0x61));
      }
      case "REMOVE":
        return sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE);
      case "WRITE":
      case "CLOSE":
        return sftp.status(reqId, STATUS_CODE.OK);
    }
  };
  const events = sftp as EventEmitter;
  for (const name of REQUESTS) {
    events.on(name, (reqId: number, ...args: unknown[]) => {
      received.push(name);
      if (!unanswered.has(name)) answer(name, reqId, args);
    });
  }
  // Extensions (fsync@openssh.com, posix-rename) are not offered: ssh2 never sends them here.
  events.on("EXTENDED", (reqId: number) => sftp.status(reqId, STATUS_CODE.OP_UNSUPPORTED));
}
