import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { DomainError } from "./errors";

// Sealed form: v1:<key id>:<iv>:<tag>:<ciphertext>, base64url parts. The key id (a hash of
// the key) tells "another key" apart from "damaged", so neither decrypts to garbage.
const VERSION = "v1";
export const SECRET_KEY_BYTES = 32;

export interface SecretBox {
  /** Id of the key new values are sealed with. */
  readonly keyId: string;
  seal(plain: string): string;
  /** Throws a DomainError when no key of this box opens the value. */
  open(sealed: string): string;
}

export const secretKeyId = (key: Buffer) => createHash("sha256").update(key).digest("hex").slice(0, 16);

/** Which key sealed a value (its id), without opening it. */
export const sealedKeyId = (sealed: string): string | undefined => sealed.split(":")[1];

/**
 * AES-256-GCM over `current` (seals and opens) and `others` (open only: a key being rotated
 * in or out, so a half-finished rotation never leaves a value unreadable).
 */
export function createSecretBox(current: Buffer, others: Buffer[] = []): SecretBox {
  const keys = new Map<string, Buffer>();
  for (const key of [current, ...others]) {
    if (key.length !== SECRET_KEY_BYTES) throw new Error(`a secret key must be ${SECRET_KEY_BYTES} bytes, got ${key.length}`);
    if (!keys.has(secretKeyId(key))) keys.set(secretKeyId(key), key);
  }
  const keyId = secretKeyId(current);
  const parse = (sealed: string) => {
    const [version, id, iv, tag, data, ...rest] = sealed.split(":");
    if (version !== VERSION || !id || !iv || !tag || data === undefined || rest.length > 0) return null;
    return { id, iv: Buffer.from(iv, "base64url"), tag: Buffer.from(tag, "base64url"), data: Buffer.from(data, "base64url") };
  };
  return {
    keyId,
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", current, iv);
      const data = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return [VERSION, keyId, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), data.toString("base64url")].join(":");
    },
    open(sealed) {
      const parts = parse(sealed);
      if (!parts) {
        throw new DomainError("PRECONDITION_FAILED", "A stored secret value is not in a format Berth knows", {
          reason: "secret-unreadable",
        });
      }
      const key = keys.get(parts.id);
      if (!key) {
        throw new DomainError(
          "PRECONDITION_FAILED",
          `A secret value was sealed with another secret key (key id ${parts.id}, this server has ${keyId}): ` +
            "put back the data dir's secret-key file from a backup, or enter the secret values again",
          { reason: "secret-other-key" },
        );
      }
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, parts.iv);
        decipher.setAuthTag(parts.tag);
        return Buffer.concat([decipher.update(parts.data), decipher.final()]).toString("utf8");
      } catch (error) {
        throw new DomainError("PRECONDITION_FAILED", "A stored secret value is damaged (it fails its integrity check)", {
          cause: error,
          reason: "secret-unreadable",
        });
      }
    },
  };
}
