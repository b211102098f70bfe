import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configDir, loadRemoteConfig, normalizeServer, removeConfigFile, writeConfigFile } from "~/cli/remote/config-file";
import { CliError } from "~/cli/remote/errors";

let tmp: string;
beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "berth-cli-config-"));
});
afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe("the CLI's login file", () => {
  it("lives in BERTH_CONFIG_DIR, else XDG_CONFIG_HOME/berth, else ~/.config/berth", () => {
    expect(configDir({ BERTH_CONFIG_DIR: "/a/b", XDG_CONFIG_HOME: "/x", HOME: "/h" })).toBe("/a/b");
    expect(configDir({ XDG_CONFIG_HOME: "/x", HOME: "/h" })).toBe("/x/berth");
    expect(configDir({})).toBe(path.join(os.homedir(), ".config/berth"));
  });

  it("is written 0600, whole, with no temporary file left, in a 0700 folder it creates (umask 0 too)", async () => {
    const dir = path.join(tmp, "made", "cfg");
    const env = { BERTH_CONFIG_DIR: dir };
    const umask = process.umask(0);
    try {
      await writeConfigFile({ server: "http://old", token: "old" }, env);
    } finally {
      process.umask(umask);
    }
    const file = await writeConfigFile({ server: "https://berth.example", token: "t1" }, env);
    expect(file).toBe(path.join(dir, "config.json"));
    expect((await fs.stat(dir)).mode & 0o777).toBe(0o700);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(await fs.readdir(dir)).toEqual(["config.json"]);
    expect(await loadRemoteConfig(env)).toEqual({ server: "https://berth.example", token: "t1" });
  });

  it("leaves the mode of a folder it did not create alone (it may be $HOME), and refuses one others can write to, exit 2", async () => {
    const own = path.join(tmp, "home");
    await fs.mkdir(own);
    await fs.chmod(own, 0o755);
    await writeConfigFile({ server: "https://berth.example", token: "t1" }, { BERTH_CONFIG_DIR: own });
    expect((await fs.stat(own)).mode & 0o777).toBe(0o755);
    expect((await fs.stat(path.join(own, "config.json"))).mode & 0o777).toBe(0o600);

    for (const mode of [0o777, 0o1777, 0o775]) {
      const shared = path.join(tmp, `shared-${mode.toString(8)}`);
      await fs.mkdir(shared);
      await fs.chmod(shared, mode);
      const error = await writeConfigFile({ server: "https://berth.example", token: "t1" }, { BERTH_CONFIG_DIR: shared }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CliError);
      expect(error).toMatchObject({
        exitCode: 2,
        reason: "config-dir-unsafe",
        message: expect.stringContaining(`${shared} can be written by other users`),
      });
      expect((await fs.stat(shared)).mode & 0o7777).toBe(mode);
      expect(await fs.readdir(shared)).toEqual([]);
    }
  });

  it("warns when the saved login is open to other users, and narrows it to 0600", async () => {
    const env = { BERTH_CONFIG_DIR: tmp };
    const file = await writeConfigFile({ server: "https://saved", token: "saved" }, env);
    const warnings: string[] = [];
    await loadRemoteConfig(env, (line) => warnings.push(line));
    expect(warnings).toEqual([]);
    await fs.chmod(file, 0o644);
    expect(await loadRemoteConfig(env, (line) => warnings.push(line))).toEqual({ server: "https://saved", token: "saved" });
    expect(warnings).toEqual([`${file} was open to other users (mode 0644), the token in it may have been read; made it 0600`]);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
  });

  it("BERTH_SERVER and BERTH_TOKEN override it, one at a time", async () => {
    const env = { BERTH_CONFIG_DIR: tmp };
    await writeConfigFile({ server: "https://saved", token: "saved" }, env);
    expect(await loadRemoteConfig({ ...env, BERTH_TOKEN: "ci" })).toEqual({ server: "https://saved", token: "ci" });
    expect(await loadRemoteConfig({ ...env, BERTH_SERVER: "http://ci:3000/" })).toEqual({ server: "http://ci:3000", token: "saved" });
  });

  it("without a login (or after logout) is an auth failure, exit 3", async () => {
    const env = { BERTH_CONFIG_DIR: tmp };
    await writeConfigFile({ server: "https://saved", token: "saved" }, env);
    expect(await removeConfigFile(env)).toBe(true);
    expect(await removeConfigFile(env)).toBe(false);
    const error = await loadRemoteConfig(env).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect(error).toMatchObject({ exitCode: 3, reason: "not-logged-in" });
    await fs.writeFile(path.join(tmp, "config.json"), "{not json");
    expect(await loadRemoteConfig(env, () => {}).catch((e: unknown) => e)).toMatchObject({ exitCode: 3, reason: "config-invalid" });
  });

  it("keeps http(s) server URLs without a trailing slash and refuses others as usage errors", () => {
    expect(normalizeServer("https://berth.example.com/")).toBe("https://berth.example.com");
    expect(normalizeServer("http://host:3000/berth//")).toBe("http://host:3000/berth");
    for (const bad of ["ftp://host", "host:3000", ""]) expect(() => normalizeServer(bad)).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});
