import { createHash } from "node:crypto";
import net from "node:net";
import ssh2, { type Client, type ConnectConfig, type SFTPWrapper } from "ssh2";
import { DomainError } from "../errors";

// Node's ESM loader finds no `utils` export in ssh2's CommonJS: take both from the module object.
const { Client: SshClient, utils } = ssh2;

export interface SftpSettings {
  host: string;
  port: number;
  username: string;
  folder: string;
}

export interface SftpSecret {
  password?: string;
  privateKey?: string;
  passphrase?: string;
}

/** "SHA256:" + unpadded base64 of the key blob's sha256: what `ssh-keygen -lf` prints. */
export function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
}

export const unreachable = (detail: string, cause?: unknown) =>
  new DomainError("PRECONDITION_FAILED", `The SSH server cannot be reached: ${detail}`, {
    cause,
    reason: "target-unreachable",
    params: { detail },
  });

// Errno codes name the failure without the server's words; anything else says where it broke.
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "EPIPE",
]);

function connectFailed(error: Error & { level?: string; code?: unknown }): DomainError {
  if (error.level === "client-authentication") {
    return new DomainError("PRECONDITION_FAILED", "The SSH server refused the user name or the credentials", {
      cause: error,
      reason: "target-auth-failed",
    });
  }
  if (error.level === "client-timeout") return unreachable("timeout", error);
  if (typeof error.code === "string" && NETWORK_CODES.has(error.code)) return unreachable(error.code, error);
  return unreachable(error.level === "client-dns" ? "ENOTFOUND" : "handshake", error);
}

/** Refuses key text that is not a private key ssh2 can use with `passphrase`: a target is refused when it is saved, not at its first copy. */
export function checkPrivateKey(privateKey: string, passphrase?: string): void {
  const key = utils.parseKey(privateKey, passphrase);
  if (key instanceof Error || !key.isPrivateKey()) {
    throw new DomainError("BAD_REQUEST", "The private key cannot be read (wrong format or passphrase)", { reason: "target-key-invalid" });
  }
}

/** The auth part of ssh2's config, the key parsed before connecting so a bad one never reaches the network. */
function credentials(secret: SftpSecret): Pick<ConnectConfig, "privateKey" | "passphrase" | "password"> {
  if (secret.privateKey) {
    checkPrivateKey(secret.privateKey, secret.passphrase);
    return { privateKey: secret.privateKey, passphrase: secret.passphrase };
  }
  if (secret.password) return { password: secret.password };
  throw new DomainError("BAD_REQUEST", "A private key or a password is needed", { reason: "target-credentials-required" });
}

export interface SftpSession {
  client: Client;
  sftp: SFTPWrapper;
  hostKey: string;
  /** ours, not ssh2's: after client.end() ssh2 can no longer destroy it, and a peer that never closes would keep it forever */
  socket: net.Socket;
}

/** Ends the session politely; a peer that never closes its side is cut after `closeTimeoutMs`. */
export function endSession(session: Pick<SftpSession, "client" | "socket">, closeTimeoutMs: number): Promise<void> {
  const { client, socket } = session;
  if (socket.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => socket.destroy(), closeTimeoutMs);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    client.end();
  });
}

/**
 * Connects and opens the SFTP subsystem. The host key is checked inside the key exchange,
 * before any authentication request: a server whose key differs from `pinnedHostKey` never
 * sees the password or a signature. With no pinned key, the one seen is returned (trust on
 * first use). `readyTimeoutMs` bounds the handshake and, again, the start of the SFTP subsystem.
 */
export async function connectSftp(
  settings: SftpSettings,
  secret: SftpSecret,
  pinnedHostKey: string | null,
  readyTimeoutMs: number,
): Promise<SftpSession> {
  const { host, port, username } = settings;
  if (!host || /[\s\0]/.test(host) || !Number.isInteger(port) || port < 1 || port > 65_535 || !username) {
    throw new DomainError("BAD_REQUEST", "The SSH host, port or user is not valid", { reason: "target-host-invalid" });
  }
  const auth = credentials(secret);
  const client = new SshClient();
  let seen: string | null = null;
  let mismatch = false;
  const ready = new Promise<void>((resolve, reject) => {
    client.once("ready", resolve);
    client.on("error", (error) => {
      if (mismatch) {
        reject(
          new DomainError("PRECONDITION_FAILED", "The SSH server's host key changed: it is not the server this target was set up with", {
            cause: error,
            reason: "target-host-key-mismatch",
            params: { expected: pinnedHostKey ?? "", actual: seen ?? "" },
          }),
        );
      } else reject(connectFailed(error));
    });
    client.once("close", () => reject(unreachable("ECONNRESET")));
  });
  // Connecting: ssh2 waits for the socket's connect and reports its errors (ENOTFOUND too) as usual.
  const socket = net.connect({ host, port });
  client.connect({
    sock: socket,
    username,
    ...auth,
    tryKeyboard: false,
    readyTimeout: readyTimeoutMs,
    // A dead peer fails the transfer after ~30 s instead of hanging it.
    keepaliveInterval: 10_000,
    keepaliveCountMax: 3,
    hostVerifier: (key: Buffer) => {
      seen = hostKeyFingerprint(key);
      mismatch = pinnedHostKey !== null && seen !== pinnedHostKey;
      return !mismatch;
    },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await ready;
    // A server that opens the session but never answers the SFTP init would otherwise hang here.
    const sftp = await new Promise<SFTPWrapper>((resolve, reject) => {
      timer = setTimeout(() => reject(unreachable("timeout")), readyTimeoutMs);
      client.sftp((error, sftp) => (error ? reject(unreachable("no-sftp", error)) : resolve(sftp)));
    });
    return { client, sftp, hostKey: seen ?? "", socket };
  } catch (error) {
    socket.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
