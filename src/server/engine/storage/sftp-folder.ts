import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { FileEntryWithStats, SFTPWrapper, Stats } from "ssh2";
import type { EngineLogger } from "../deps";
import { DomainError } from "../errors";
import { connectSftp, endSession, type SftpSecret, type SftpSession, type SftpSettings, unreachable } from "./sftp-connect";
import { positionedWriter } from "./sftp-write-stream";
import {
  checkedRemoteName,
  folderInvalid,
  partialName,
  type RemoteFile,
  remoteMissing,
  type StorageBackend,
  targetIoFailed,
} from "./storage-backend";

export { checkPrivateKey, hostKeyFingerprint, type SftpSecret, type SftpSettings } from "./sftp-connect";

/** An SFTP folder setting: absolute or relative to the login folder, without `..`. */
export function checkSftpFolder(folder: string): string {
  if (!folder) throw folderInvalid("missing");
  if (folder.includes("\0") || folder.split("/").includes("..")) throw folderInvalid("hasDotdot");
  return folder;
}

export interface SftpOptions {
  /** the handshake, and the start of the SFTP subsystem */
  readyTimeoutMs?: number;
  /** how long the server may leave every waiting request unanswered before the connection is cut */
  idleTimeoutMs?: number;
  /** how long close() waits for the server to close its side before cutting the connection */
  closeTimeoutMs?: number;
  /** where a folder listing cut at LIST_MAX is reported */
  log?: Pick<EngineLogger, "warn">;
}

/** list() reads at most this many entries: a folder (or a server) with more would fill memory. */
export const LIST_MAX = 10_000;
// One read request at a time of this size, as ssh2's own read stream did.
const READ_PIECE = 256 * 1024;

// SFTP status codes (draft-ietf-secsh-filexfer-02, what OpenSSH speaks).
const SFTP_STATUS = [
  "OK",
  "EOF",
  "NO_SUCH_FILE",
  "PERMISSION_DENIED",
  "FAILURE",
  "BAD_MESSAGE",
  "NO_CONNECTION",
  "CONNECTION_LOST",
  "OP_UNSUPPORTED",
];
const EOF = 1;
const NO_SUCH_FILE = 2;
const FAILURE = 4;

const isMissing = (error: unknown) => (error as { code?: unknown }).code === NO_SUCH_FILE;
const coded = (code: string) => Object.assign(new Error(code), { code });

/** targetIoFailed with ssh2's numeric status as a name; the server's message only tells a full disk apart, never shown. */
function sftpFailed(error: unknown): DomainError {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code !== "number") return targetIoFailed(error);
  const full = code === FAILURE && /no space|quota|disk full/i.test(String(message));
  return targetIoFailed(
    Object.assign(new Error("SFTP request failed", { cause: error }), { code: full ? "4-ENOSPC" : `SFTP_${SFTP_STATUS[code] ?? code}` }),
  );
}

type Done<T> = (error: Error | null | undefined, value: T) => void;

/**
 * SFTP requests as promises that also fail when the connection drops: ssh2 leaves a request
 * made on a closed channel unanswered, and a transfer waiting on its source would never learn
 * of the loss. After a loss every request fails with ECONNRESET.
 *
 * A server can also stay connected (ssh2's keepalives are answered by its transport) and never
 * answer a request: when requests wait and no answer at all comes for `idleTimeoutMs`, the
 * connection is cut and every request fails with target-unreachable, timeout. Any answer
 * restarts the wait, so a slow link with many writes in flight is not cut.
 */
function requests({ client, sftp, socket }: SftpSession, idleTimeoutMs: number) {
  let lost: Error | undefined;
  const watchers = new Set<(error: Error) => void>();
  let waiting = 0;
  let idle: NodeJS.Timeout | undefined;
  const loseWith = (error: Error) => {
    if (lost) return;
    lost = error;
    clearTimeout(idle);
    for (const watcher of watchers) watcher(lost);
  };
  const markLost = () => loseWith(coded("ECONNRESET"));
  client.on("close", markLost);
  client.on("end", markLost);
  client.on("error", markLost);
  sftp.on("close", markLost);
  const restartIdle = () => {
    clearTimeout(idle);
    if (waiting === 0 || lost) return;
    idle = setTimeout(() => {
      loseWith(unreachable("timeout"));
      socket.destroy();
    }, idleTimeoutMs);
  };

  /** Calls `watcher` once if the connection drops before the returned unwatch is called. */
  const watch = (watcher: (error: Error) => void): (() => void) => {
    if (lost) queueMicrotask(() => watcher(lost as Error));
    else watchers.add(watcher);
    return () => watchers.delete(watcher);
  };
  const call = <T>(start: (done: Done<T>) => void): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (lost) return reject(lost);
      const unwatch = watch(reject);
      let answered = false;
      const done: Done<T> = (error, value) => {
        if (answered) return;
        answered = true;
        waiting -= 1;
        restartIdle();
        unwatch();
        if (error) reject(lost ?? error);
        else resolve(value);
      };
      waiting += 1;
      if (waiting === 1) restartIdle();
      try {
        start(done);
      } catch (error) {
        done(error as Error, undefined as T);
      }
    });
  return { lost: () => lost, watch, call };
}

type Requests = ReturnType<typeof requests>;

/** Connects, checks or pins the host key, opens SFTP in `folder`. */
export async function openSftpFolder(
  settings: SftpSettings,
  secret: SftpSecret,
  pinnedHostKey: string | null,
  options: SftpOptions = {},
): Promise<{ backend: StorageBackend; hostKey: string }> {
  const { readyTimeoutMs = 20_000, idleTimeoutMs = 60_000, closeTimeoutMs = 5_000 } = options;
  const folder = checkSftpFolder(settings.folder);
  const session = await connectSftp(settings, secret, pinnedHostKey, readyTimeoutMs);
  const { sftp, hostKey } = session;
  const io = requests(session, idleTimeoutMs);
  try {
    // Resolved once: every file is named inside this absolute path.
    const root = await io.call<string>((done) => sftp.realpath(folder, done));
    const st = await io.call<Stats>((done) => sftp.stat(root, done));
    if (!st.isDirectory()) throw folderInvalid("notAFolder");
    const end = () => endSession(session, closeTimeoutMs);
    return { backend: sftpBackend(sftp, io, root, end, options.log), hostKey };
  } catch (error) {
    void endSession(session, closeTimeoutMs);
    const cause = io.lost() ?? error;
    if (cause instanceof DomainError) throw cause;
    throw isMissing(cause) ? folderInvalid("missing") : sftpFailed(cause);
  }
}

/**
 * A folder on an SFTP server. Links in the folder are never followed where SFTP lets us say so:
 * names are checked with lstat, a new temporary file is created exclusively (O_CREAT|O_EXCL
 * does not follow a link). SFTP has no O_NOFOLLOW, so a link someone swaps in between that
 * lstat and the open of a resumed write or a read is followed by the server: a window for
 * whoever can write in the folder, who can change the copies anyway.
 */
function sftpBackend(sftp: SFTPWrapper, io: Requests, root: string, end: () => Promise<void>, log: SftpOptions["log"]): StorageBackend {
  const at = (name: string) => path.posix.join(root, checkedRemoteName(name));
  const partialOf = (name: string) => path.posix.join(root, partialName(checkedRemoteName(name)));
  const fail = (error: unknown) => sftpFailed(io.lost() ?? error);

  const lstat = async (file: string): Promise<Stats | null> => {
    try {
      return await io.call<Stats>((done) => sftp.lstat(file, done));
    } catch (error) {
      if (isMissing(error)) return null;
      throw fail(error);
    }
  };
  const unlinkIfThere = async (file: string) => {
    try {
      await io.call<void>((done) => sftp.unlink(file, done));
    } catch (error) {
      if (!isMissing(error)) throw fail(error);
    }
  };
  const closeQuietly = (handle: Buffer) => io.call<void>((done) => sftp.close(handle, done)).catch(() => {});
  /** fsync@openssh.com; `false` when the server lacks the extension (ssh2 throws before sending). */
  const fsync = (handle: Buffer) =>
    io.call<boolean>((done) => {
      try {
        sftp.ext_openssh_fsync(handle, (error) => done(error, true));
      } catch {
        done(null, false);
      }
    });

  /**
   * An open file's bytes from the start, one READ at a time (each under the idle deadline; ssh2's
   * own read stream sends its reads past it). The consumer sees DomainErrors only, and a lost
   * connection even while it pauses. Reads go on until the server says EOF: the caller bounds a
   * server that never does.
   */
  const readStream = (handle: Buffer): Readable => {
    let position = 0;
    const stream: Readable = new Readable({
      highWaterMark: READ_PIECE,
      read() {
        const buffer = Buffer.allocUnsafe(READ_PIECE);
        io.call<number>((done) => sftp.read(handle, buffer, 0, READ_PIECE, position, (error, bytesRead) => done(error, bytesRead))).then(
          (bytesRead) => {
            if (stream.destroyed) return;
            position += bytesRead;
            stream.push(bytesRead === 0 ? null : buffer.subarray(0, bytesRead));
          },
          (error: unknown) => stream.destroy(fail(error)),
        );
      },
      destroy(error, callback) {
        unwatch();
        void closeQuietly(handle);
        callback(error);
      },
    });
    const unwatch = io.watch((error) => stream.destroy(fail(error)));
    return stream;
  };

  /**
   * Makes a rename in the folder durable: OpenSSH opens a folder like a file and fsync@openssh.com
   * then flushes its entries. A server that refuses either keeps the rename as durable as it
   * makes renames by itself; SFTP has no other way to ask.
   */
  const syncFolder = async () => {
    const handle = await io.call<Buffer>((done) => sftp.open(root, "r", done)).catch(() => null);
    if (!handle) return;
    await fsync(handle).catch(() => {});
    await closeQuietly(handle);
  };

  return {
    async partialSize(name) {
      const st = await lstat(partialOf(name));
      return st?.isFile() ? st.size : 0;
    },

    async writePartial(name, offset, data, onBytes) {
      const file = partialOf(name);
      const controller = new AbortController();
      const unwatch = io.watch((error) => controller.abort(error));
      let handle: Buffer | undefined;
      try {
        if (offset === 0) {
          // A fresh start: whatever had the name (a link too) goes; the exclusive create follows no link.
          await unlinkIfThere(file);
          handle = await io.call<Buffer>((done) => sftp.open(file, "wx", { mode: 0o600 }, done));
        } else {
          const st = await lstat(file);
          if (!st?.isFile() || st.size < offset) throw coded("PARTIAL_CHANGED");
          handle = await io.call<Buffer>((done) => sftp.open(file, "r+", done));
          // Bytes past `offset` are not the ones about to be written.
          const opened = handle;
          await io.call<void>((done) => sftp.fsetstat(opened, { size: offset }, done));
        }
        const target = handle;
        const writeAt = (chunk: Buffer, position: number) =>
          io.call<void>((done) => sftp.write(target, chunk, 0, chunk.length, position, (error) => done(error, undefined)));
        await pipeline(data, positionedWriter(writeAt, offset, onBytes), { signal: controller.signal });
        // A server without fsync@openssh.com: the bytes are as durable as its close makes them.
        await fsync(handle);
        await io.call<void>((done) => sftp.close(target, done));
        handle = undefined;
      } catch (error) {
        throw fail(controller.signal.aborted ? controller.signal.reason : error);
      } finally {
        unwatch();
        if (handle) void closeQuietly(handle);
      }
    },

    async commit(name) {
      const [from, to] = [partialOf(name), at(name)];
      try {
        // posix-rename@openssh.com replaces `to` in one step; plain SFTP rename refuses an existing target.
        const renamed = await io.call<boolean>((done) => {
          try {
            sftp.ext_openssh_rename(from, to, (error) => done(error, true));
          } catch {
            done(null, false);
          }
        });
        if (!renamed) {
          await unlinkIfThere(to);
          await io.call<void>((done) => sftp.rename(from, to, done));
        }
      } catch (error) {
        throw fail(error);
      }
      await syncFolder();
    },

    async stat(name) {
      const st = await lstat(at(name));
      return st?.isFile() ? { size: st.size } : null;
    },

    async read(name): Promise<Readable> {
      const file = at(name);
      const st = await lstat(file);
      if (!st) throw remoteMissing();
      if (!st.isFile()) throw fail(coded(st.isSymbolicLink() ? "ELOOP" : "NOT_A_FILE"));
      let handle: Buffer;
      try {
        handle = await io.call<Buffer>((done) => sftp.open(file, "r", done));
      } catch (error) {
        throw isMissing(error) ? remoteMissing() : fail(error);
      }
      return readStream(handle);
    },

    async list(): Promise<RemoteFile[]> {
      let handle: Buffer;
      try {
        handle = await io.call<Buffer>((done) => sftp.opendir(root, done));
      } catch (error) {
        throw fail(error);
      }
      // Page by page (ssh2's readdir of a path would gather every entry first), up to LIST_MAX entries.
      const files: RemoteFile[] = [];
      let read = 0;
      try {
        for (;;) {
          const page = await io.call<FileEntryWithStats[] | null>((done) =>
            sftp.readdir(handle, (error, list) =>
              error && (error as { code?: unknown }).code === EOF ? done(null, null) : done(error, list),
            ),
          );
          if (!page) break;
          const taken = page.slice(0, LIST_MAX - read);
          read += taken.length;
          // OpenSSH's readdir reports lstat attributes: a link shows as a link and is skipped.
          for (const entry of taken) if (entry.attrs.isFile()) files.push({ name: entry.filename, size: entry.attrs.size });
          if (read >= LIST_MAX) {
            log?.warn(
              { folder: root, listed: LIST_MAX },
              "sftp: the target's folder holds this many entries or more; only these are listed",
            );
            break;
          }
        }
      } catch (error) {
        throw fail(error);
      } finally {
        void closeQuietly(handle);
      }
      return files;
    },

    async remove(name) {
      await unlinkIfThere(at(name));
      await unlinkIfThere(partialOf(name));
    },

    close: end,
  };
}
