// The key that seals secret env values at rest (engine/secret-box.ts): 32 random bytes in
// <dataDir>/secret-key, mode 0600, created at first start. Back it up with the database:
// without it the sealed values cannot be read. `berth secrets rotate-key` replaces it.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { EngineDeps } from "./engine/deps";
import { DomainError } from "./engine/errors";
import { createSecretBox, SECRET_KEY_BYTES, type SecretBox } from "./engine/secret-box";
import { resealSecrets, type ResealReport } from "./engine/workloads/reseal-secrets";

export const secretKeyFile = (dataDir: string) => path.join(dataDir, "secret-key");
// A rotation's new key, before it replaces the old one; while it exists both keys open values.
const nextKeyFile = (dataDir: string) => path.join(dataDir, "secret-key.next");

function readKey(file: string): Buffer | null {
  let key: Buffer;
  try {
    key = fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  if (key.length !== SECRET_KEY_BYTES) {
    throw new DomainError("PRECONDITION_FAILED", `${file} must hold exactly ${SECRET_KEY_BYTES} bytes (it has ${key.length})`);
  }
  fs.chmodSync(file, 0o600);
  return key;
}

function fsyncPath(p: string) {
  const fd = fs.openSync(p, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** A new random key at `file`, durable; never replaces a key already there (link, not rename). */
function createKeyFile(file: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, randomBytes(SECRET_KEY_BYTES), { mode: 0o600 });
  try {
    fsyncPath(tmp);
    fs.linkSync(tmp, file);
  } catch (error) {
    // Another process (server or CLI) created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  fsyncPath(path.dirname(file));
}

/** The data dir's secret box; creates the key on first use. */
export function loadSecretBox(dataDir: string): SecretBox {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = secretKeyFile(dataDir);
  let key = readKey(file);
  if (!key) {
    createKeyFile(file);
    key = readKey(file)!;
  }
  const pending = readKey(nextKeyFile(dataDir));
  return createSecretBox(key, pending ? [pending] : []);
}

/**
 * The same, read (or created) at first use: the engine's adapters are built when a module
 * imports them, which includes `next build`, and that must not create a key.
 */
export function lazySecretBox(dataDir: string): SecretBox {
  let box: SecretBox | undefined;
  const get = () => (box ??= loadSecretBox(dataDir));
  return {
    get keyId() {
      return get().keyId;
    },
    seal: (plain) => get().seal(plain),
    open: (sealed) => get().open(sealed),
  };
}

/**
 * Replaces the key and re-seals every stored secret with the new one. Crash-safe: the new key
 * is durable in secret-key.next before any row uses it, both keys open values until it is
 * renamed over secret-key, and running it again finishes an interrupted rotation with the
 * same new key. The server must not run meanwhile (the CLI checks).
 */
export async function rotateSecretKey(deps: Pick<EngineDeps, "db" | "dataDir">): Promise<ResealReport> {
  const { dataDir } = deps;
  const current = readKey(secretKeyFile(dataDir));
  if (!current) throw new DomainError("PRECONDITION_FAILED", `no secret key at ${secretKeyFile(dataDir)} yet; start Berth once first`);
  const nextFile = nextKeyFile(dataDir);
  if (!fs.existsSync(nextFile)) createKeyFile(nextFile);
  const report = await resealSecrets({ db: deps.db, secrets: createSecretBox(readKey(nextFile)!, [current]) });
  fs.renameSync(nextFile, secretKeyFile(dataDir));
  fsyncPath(dataDir);
  return report;
}
