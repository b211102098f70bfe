// The data dir holds password hashes, sealed secrets and the keys that open them: only
// Berth's user may enter it. Checked through the real start path on fresh and existing dirs:
// `prisma migrate deploy` (what `npm start` runs first), the CLI (createDb, like the server).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadSecretBox, secretKeyFile } from "~/server/secret-key";

const root = path.resolve(import.meta.dirname, "../..");
const parent = fs.mkdtempSync(path.join(os.tmpdir(), "berth-perms-"));
afterAll(() => fs.rmSync(parent, { recursive: true, force: true }));

const mode = (p: string) => fs.statSync(p).mode & 0o777;

function run(dataDir: string, cmd: string, args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, BERTH_DATA_DIR: dataDir };
  delete env.DATABASE_URL;
  execFileSync(cmd, args, { cwd: root, env, stdio: "pipe" });
}
const migrate = (dataDir: string) => run(dataDir, path.join(root, "node_modules/.bin/prisma"), ["migrate", "deploy"]);
const cli = (dataDir: string, ...args: string[]) => run(dataDir, process.execPath, [path.join(root, "bin/berth.mjs"), ...args]);

describe("data dir permissions", () => {
  it("creates the data dir 0700, and the database, its side files and the secret key 0600", { timeout: 120_000 }, () => {
    const dataDir = path.join(parent, "fresh", "data");
    migrate(dataDir);
    expect(mode(dataDir)).toBe(0o700);
    cli(dataDir, "user", "add", "--email", "first@berth.test", "--role", "admin", "--password", "password-1");
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(path.join(dataDir, "berth.db"))).toBe(0o600);

    loadSecretBox(dataDir);
    expect(mode(secretKeyFile(dataDir))).toBe(0o600);
    expect(fs.statSync(secretKeyFile(dataDir)).size).toBe(32);
  });

  it("narrows an existing install's dir and files at the next start", { timeout: 120_000 }, () => {
    const dataDir = path.join(parent, "existing");
    migrate(dataDir);
    const db = path.join(dataDir, "berth.db");
    // As an older Berth left them (umask 022), with side files SQLite may leave behind.
    fs.chmodSync(dataDir, 0o755);
    fs.chmodSync(db, 0o644);
    fs.writeFileSync(`${db}-wal`, "", { mode: 0o644 });
    fs.writeFileSync(path.join(dataDir, "secret-key"), Buffer.alloc(32, 7), { mode: 0o644 });

    migrate(dataDir);
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(db)).toBe(0o600);

    fs.chmodSync(dataDir, 0o755);
    fs.chmodSync(db, 0o644);
    fs.chmodSync(`${db}-wal`, 0o644);
    cli(dataDir, "user", "add", "--email", "again@berth.test", "--role", "viewer", "--password", "password-1");
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(db)).toBe(0o600);
    expect(mode(`${db}-wal`)).toBe(0o600);

    loadSecretBox(dataDir);
    expect(mode(secretKeyFile(dataDir))).toBe(0o600);
  });
});
