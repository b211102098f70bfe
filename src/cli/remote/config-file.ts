import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fsyncPath } from "~/server/engine/durable-fs";
import { CliError, EXIT } from "./errors";

/** The variables read here (process.env by default; tests pass their own). */
type Env = Readonly<Record<string, string | undefined>>;

export interface RemoteConfig {
  server: string;
  token: string;
}

/** `$BERTH_CONFIG_DIR`, else `$XDG_CONFIG_HOME/berth`, else `~/.config/berth`. */
export function configDir(env: Env = process.env): string {
  if (env.BERTH_CONFIG_DIR) return path.resolve(env.BERTH_CONFIG_DIR);
  if (env.XDG_CONFIG_HOME) return path.join(path.resolve(env.XDG_CONFIG_HOME), "berth");
  return path.join(os.homedir(), ".config", "berth");
}

export const configPath = (env: Env = process.env) => path.join(configDir(env), "config.json");

/** `https://host:port` without a trailing slash or path noise; anything but http(s) is refused. */
export function normalizeServer(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(`not a URL: ${value}`, EXIT.usage, "usage");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new CliError(`not an http(s) URL: ${value}`, EXIT.usage, "usage");
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

type Warn = (line: string) => void;
const warnOnStderr: Warn = (line) => process.stderr.write(`berth: warning: ${line}\n`);
const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, "0");

export async function readConfigFile(env: Env = process.env, warn: Warn = warnOnStderr): Promise<Partial<RemoteConfig>> {
  const file = configPath(env);
  let text: string;
  try {
    const handle = await fs.open(file, "r");
    try {
      const { mode } = await handle.stat();
      if (mode & 0o077) {
        // The token is in it: say so (it may have been read), and narrow it, as we would have written it.
        const fixed = await handle.chmod(0o600).then(
          () => true,
          () => false,
        );
        warn(
          `${file} was open to other users (mode ${octal(mode)}), the token in it may have been read${fixed ? "; made it 0600" : "; run chmod 600 on it"}`,
        );
      }
      text = await handle.readFile("utf8");
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<RemoteConfig>;
    return {
      server: typeof value.server === "string" ? value.server : undefined,
      token: typeof value.token === "string" ? value.token : undefined,
    };
  } catch {
    throw new CliError(`${file} is not valid JSON; run \`berth login\` again`, EXIT.auth, "config-invalid");
  }
}

/** The server and token to use: BERTH_SERVER / BERTH_TOKEN (for CI) over the saved login. */
export async function loadRemoteConfig(env: Env = process.env, warn: Warn = warnOnStderr): Promise<RemoteConfig> {
  const saved = await readConfigFile(env, warn);
  const server = env.BERTH_SERVER || saved.server;
  const token = env.BERTH_TOKEN || saved.token;
  if (!server || !token) {
    throw new CliError("not logged in; run `berth login --server URL` (or set BERTH_SERVER and BERTH_TOKEN)", EXIT.auth, "not-logged-in");
  }
  return { server: normalizeServer(server), token };
}

/**
 * The config folder, made 0700 when this creates it. An existing one (it may be $HOME or /tmp)
 * is not ours to change: one that others can write to is refused, since they could swap the
 * file holding the token.
 */
async function prepareConfigDir(dir: string): Promise<void> {
  const created = await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  if (created !== undefined) {
    // mkdir's mode is narrowed by the umask, never widened; chmod says it outright.
    await fs.chmod(dir, 0o700);
    return;
  }
  const stat = await fs.stat(dir);
  if (!stat.isDirectory()) throw new CliError(`${dir} is not a folder`, EXIT.usage, "usage");
  if (stat.mode & 0o022) {
    throw new CliError(
      `${dir} can be written by other users (mode ${octal(stat.mode)}); the login is not saved there. ` +
        "Run chmod go-w on it, or set BERTH_CONFIG_DIR to a folder of your own",
      EXIT.usage,
      "config-dir-unsafe",
    );
  }
}

/**
 * Saves the login where only this user can read it (file 0600; a folder made here is 0700),
 * written to a temporary file, fsynced and renamed: a crash leaves the old login or the new one, never half.
 */
export async function writeConfigFile(config: RemoteConfig, env: Env = process.env): Promise<string> {
  const dir = configDir(env);
  await prepareConfigDir(dir);
  const file = path.join(dir, "config.json");
  const tmp = `${file}.tmp`;
  await fs.rm(tmp, { force: true });
  const handle = await fs.open(tmp, "wx", 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(config, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
  await fsyncPath(dir);
  return file;
}

/** Forgets the login; true when there was one. */
export async function removeConfigFile(env: Env = process.env): Promise<boolean> {
  const file = configPath(env);
  try {
    await fs.unlink(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
  await fsyncPath(path.dirname(file));
  return true;
}
