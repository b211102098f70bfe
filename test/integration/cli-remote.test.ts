// The `berth` CLI against a running server (issue #17, "Scripting"): spawned as a user runs
// it (node bin/berth.mjs), with HOME and BERTH_CONFIG_DIR in a temp folder, against the real
// production server, a real Docker workload and its real files.
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type AppServer, startAppServer } from "../support/app-server";
import { createApiToken, createDataWorkload, trpcHttp } from "../support/trpc-http";
import { freePort as closedPort } from "../support/free-port";

const root = path.resolve(import.meta.dirname, "../..");
const execFileAsync = promisify(execFile);

let app: AppServer;
let admin: string;
let viewer: string;
let workloadId: string;
let home: string;
let configDir: string;
let volumeDir: string;
const REF = "cli-remote/production/files";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `berth …` as a child process; stdin is a pipe (never a terminal), so are stdout and stderr. */
function berth(args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, BERTH_CONFIG_DIR: configDir, ...options.env };
    for (const name of ["BERTH_SERVER", "BERTH_TOKEN", "XDG_CONFIG_HOME"]) if (!options.env?.[name]) delete env[name];
    const child = spawn(process.execPath, [path.join(root, "bin/berth.mjs"), ...args], { cwd: home, env, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");
const snapshotFile = (id: string, wid = workloadId) => path.join(app.dataDir, "snapshots", wid, `${id}.tar.gz`);
const exists = (p: string) =>
  fs.access(p).then(
    () => true,
    () => false,
  );
const json = <T>(run: Run): T => {
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
};

// The same bytes each run (xorshift), incompressible: the archive is a few MiB, many chunks.
const original = Buffer.alloc(3_000_000);
for (let i = 0, x = 2463534242; i < original.length; i++) {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  original[i] = x & 0xff;
}

beforeAll(async () => {
  app = await startAppServer();
  admin = createApiToken(app.dataDir, "admin", "cli-admin");
  viewer = createApiToken(app.dataDir, "viewer", "cli-viewer");
  const mutate = <T>(procedure: string, input: unknown) => trpcHttp(app.url, admin).mutate<T>(procedure, input);
  workloadId = await createDataWorkload(mutate, { project: "cli-remote", name: "files", source: "files", image: inject("testImage") });
  await mutate("workload.deploy", { id: workloadId });
  volumeDir = path.join(app.dataDir, "volumes/projects/cli-remote/stages/production/files");
  await fs.writeFile(path.join(volumeDir, "data.bin"), original);
  home = await fs.mkdtemp(path.join(os.tmpdir(), "berth-cli-"));
  configDir = path.join(home, "config", "berth");
});

afterAll(async () => {
  if (process.env.BERTH_TEST_VERBOSE) console.error(app?.logs());
  await app?.stop();
  if (home) await fs.rm(home, { recursive: true, force: true });
});

describe("berth login and authentication", () => {
  it("without a login exits 3 and says how to log in", async () => {
    const run = await berth(["workloads"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^berth: not logged in; run `berth login --server URL`.* \(not-logged-in\)\n$/);
    expect(run.stdout).toBe("");
  });

  it("exits 2 on usage errors: an unknown command, a missing argument, a bad option, a bad URL", async () => {
    for (const args of [["frobnicate"], ["snapshot", "list"], ["snapshot", "download"], ["workloads", "--bogus"], ["snapshot"]]) {
      const run = await berth(args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stdout, args.join(" ")).toBe("");
    }
    expect((await berth(["login", "--server", "ftp://example.com", "--token", "x"])).code).toBe(2);
  });

  it("refuses a wrong token with exit 3 and saves nothing", async () => {
    const run = await berth(["login", "--server", app.url, "--token", "berth_not-a-real-token"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^berth: .+ \(token-invalid\)\n$/);
    expect(await exists(configDir)).toBe(false);
  });

  it("logs in with the token read from stdin: config.json 0600 in a 0700 folder, written whole", async () => {
    const run = await berth(["login", "--server", `${app.url}/`], { input: `${admin}\n` });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("as token:cli-admin (admin)");
    // 127.0.0.1: plain http:// never leaves the machine, so no warning.
    expect(run.stderr).toBe("");
    const file = path.join(configDir, "config.json");
    expect((await fs.stat(configDir)).mode & 0o777).toBe(0o700);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await fs.readFile(file, "utf8"))).toEqual({ server: app.url, token: admin });
    expect(await fs.readdir(configDir)).toEqual(["config.json"]);
  });

  it("--token's help says where an argument ends up and what to use instead", async () => {
    const run = await berth(["login", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout.replace(/\s+/g, " ")).toContain("ends up in your shell history and in `ps`");
    expect(run.stdout.replace(/\s+/g, " ")).toContain("prefer omitting it to be prompted, or piping it on stdin");
  });

  it("a server that is not there: exit 1 with 'cannot reach <server>: connection refused', for tRPC and plain routes", async () => {
    const server = `http://127.0.0.1:${await closedPort()}`;
    const expected = `berth: cannot reach ${server}: connection refused (unreachable)\n`;
    for (const args of [["workloads"], ["snapshot", "download", "someid", "-o", path.join(home, "never.tar.gz")]]) {
      const run = await berth(args, { env: { BERTH_SERVER: server, BERTH_TOKEN: "berth_x" } });
      expect(run.code, args.join(" ")).toBe(1);
      expect(run.stderr, args.join(" ")).toBe(expected);
    }
    const saved = await fs.readFile(path.join(configDir, "config.json"), "utf8");
    const login = await berth(["login", "--server", server, "--token", "berth_x"]);
    expect(login.code).toBe(1);
    expect(login.stderr).toBe(expected);
    // The login that works is kept.
    expect(await fs.readFile(path.join(configDir, "config.json"), "utf8")).toBe(saved);
  });

  it("warns before sending the token over plain http:// to another machine (here one that does not resolve)", async () => {
    const run = await berth(["workloads"], { env: { BERTH_SERVER: "http://berth-cli-test.invalid:3000", BERTH_TOKEN: "berth_x" } });
    expect(run.code).toBe(1);
    const [warning, failure] = run.stderr.split("\n");
    expect(warning).toBe(
      "berth: warning: the API token goes to http://berth-cli-test.invalid:3000 over plain http://; anyone on the way can read it (use https://)",
    );
    expect(failure).toMatch(
      /^berth: cannot reach http:\/\/berth-cli-test\.invalid:3000: (host not found|the host name could not be looked up) \(unreachable\)$/,
    );
  });

  it("BERTH_SERVER / BERTH_TOKEN override the saved login: a wrong token is 401 (3), a viewer's admin action 403 (3)", async () => {
    const wrong = await berth(["workloads"], { env: { BERTH_TOKEN: "berth_wrong" } });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain("(token-invalid)");
    const asViewer = await berth(["snapshot", "create", REF], { env: { BERTH_SERVER: app.url, BERTH_TOKEN: viewer } });
    expect(asViewer.code).toBe(3);
    expect(asViewer.stderr).toMatch(/^berth: This action needs the admin role \(role-needed\)\n$/m);
    // The viewer may read.
    expect((await berth(["workloads"], { env: { BERTH_TOKEN: viewer } })).code).toBe(0);
  });
});

describe("berth workloads and snapshots", () => {
  let snapshotId: string;

  it("lists workloads as a table and as JSON", async () => {
    const table = await berth(["workloads"]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^WORKLOAD\\s+STATUS\\s+IMAGE\\s+ID\\n${REF}\\s+running\\s+\\S+\\s+${workloadId}\\n$`));
    const list = json<{ id: string; name: string; projectSlug: string }[]>(await berth(["workloads", "--json"]));
    expect(list.map((w) => [w.id, w.projectSlug, w.name])).toEqual([[workloadId, "cli-remote", "files"]]);
  });

  it("creates a snapshot (progress lines on stderr, JSON on stdout) and lists it by path and by id", async () => {
    const run = await berth(["snapshot", "create", REF, "--label", "from the cli", "--json"]);
    const created = json<{ id: string; label: string; size: number; sha256: string }>(run);
    expect(created.label).toBe("from the cli");
    expect(run.stderr).toContain("capture: capturing\n");
    snapshotId = created.id;
    const file = await fs.readFile(snapshotFile(snapshotId));
    expect(created.size).toBe(file.length);
    expect(created.sha256).toBe(sha256(file));

    const byId = json<{ id: string; size: number; createdAt: string }[]>(await berth(["snapshot", "list", workloadId, "--json"]));
    expect(byId.map((s) => s.id)).toEqual([snapshotId]);
    expect(typeof byId[0]!.size).toBe("number");
    expect(new Date(byId[0]!.createdAt).toISOString()).toBe(byId[0]!.createdAt);
    const table = await berth(["snapshot", "list", REF]);
    expect(table.stdout).toMatch(
      new RegExp(`^ID\\s+CREATED\\s+KIND\\s+SIZE\\s+LABEL\\n${snapshotId}\\s+\\S+ \\S+Z\\s+manual\\s+[\\d.]+ \\S+\\s+from the cli\\n$`),
    );
    const missing = await berth(["snapshot", "list", "cli-remote/production/nope"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("berth: Workload not found: cli-remote/production/nope (not-found)\n");
    // Control characters in a message never reach the terminal as such.
    const hostile = await berth(["snapshot", "list", "cli-remote/production/\x1b]0;title\x07\x1b[2Jnope"]);
    expect(hostile.code).toBe(1);
    expect(hostile.stderr).toBe("berth: Workload not found: cli-remote/production/]0;title[2Jnope (not-found)\n");
  });

  it("downloads a snapshot byte for byte, through a .partial that is renamed when its sha256 matches", async () => {
    const out = path.join(home, "full.tar.gz");
    const result = json<{ file: string; size: number; sha256: string }>(
      await berth(["snapshot", "download", snapshotId, "-o", out, "--json"]),
    );
    const expected = await fs.readFile(snapshotFile(snapshotId));
    expect((await fs.readFile(out)).equals(expected)).toBe(true);
    expect(result).toEqual({ id: snapshotId, file: out, size: expected.length, sha256: sha256(expected) });
    expect(await exists(`${out}.partial`)).toBe(false);
    expect(await exists(`${out}.partial.etag`)).toBe(false);
  });

  it("resumes a cut-short download from its partial (Range + If-Range) and gets the same bytes", async () => {
    const expected = await fs.readFile(snapshotFile(snapshotId));
    const out = path.join(home, "resumed.tar.gz");
    const cut = Math.floor(expected.length / 3);
    await fs.writeFile(`${out}.partial`, expected.subarray(0, cut));
    await fs.writeFile(`${out}.partial.etag`, `"${sha256(expected)}"\n`);
    const run = await berth(["snapshot", "download", snapshotId, "-o", out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`resuming at ${cut} bytes\n`);
    const got = await fs.readFile(out);
    expect(got.equals(expected)).toBe(true);
    expect(run.stdout).toMatch(new RegExp(`^saved ${out} \\([\\d.]+ MiB, sha256 ${sha256(got)}\\)\\n$`));
  });

  it("a partial of another file (other ETag) starts over; a corrupt partial fails the sha256 check with exit 1", async () => {
    const expected = await fs.readFile(snapshotFile(snapshotId));
    const stale = path.join(home, "stale.tar.gz");
    await fs.writeFile(`${stale}.partial`, Buffer.alloc(5000, 1));
    await fs.writeFile(`${stale}.partial.etag`, `"${"0".repeat(64)}"\n`);
    const restarted = await berth(["snapshot", "download", snapshotId, "-o", stale]);
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(restarted.stderr).not.toContain("resuming");
    expect((await fs.readFile(stale)).equals(expected)).toBe(true);

    const corrupt = path.join(home, "corrupt.tar.gz");
    const prefix = Buffer.from(expected.subarray(0, 5000));
    prefix[100] = prefix[100]! ^ 0xff;
    await fs.writeFile(`${corrupt}.partial`, prefix);
    await fs.writeFile(`${corrupt}.partial.etag`, `"${sha256(expected)}"\n`);
    const failed = await berth(["snapshot", "download", snapshotId, "-o", corrupt]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/\(checksum-mismatch\)\n$/);
    expect(await exists(corrupt)).toBe(false);
    expect(await exists(`${corrupt}.partial`)).toBe(false);
    // Run again, it downloads cleanly.
    expect((await berth(["snapshot", "download", snapshotId, "-o", corrupt])).code).toBe(0);
    expect((await fs.readFile(corrupt)).equals(expected)).toBe(true);
  });

  it("imports an archive with upload progress lines and lists it", async () => {
    const run = await berth(["snapshot", "import", REF, path.join(home, "full.tar.gz"), "--label", "imported by cli", "--json"]);
    const result = json<{ snapshot: { id: string; kind: string; label: string; sha256: string }; matched: string[] }>(run);
    expect(result.snapshot).toMatchObject({
      kind: "imported",
      label: "imported by cli",
      sha256: sha256(await fs.readFile(snapshotFile(snapshotId))),
    });
    expect(result.matched).toEqual(["/data"]);
    expect(run.stderr).toContain("import: validating\n");
    const ids = json<{ id: string }[]>(await berth(["snapshot", "list", REF, "--json"])).map((s) => s.id);
    expect(ids).toContain(result.snapshot.id);
  });

  it("restore without --yes and no terminal is a usage error (2) and changes nothing", async () => {
    await fs.writeFile(path.join(volumeDir, "data.bin"), "changed after the snapshot");
    const run = await berth(["snapshot", "restore", REF, snapshotId]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("berth: refusing without --yes (no terminal to ask) (usage)\n");
    expect(await fs.readFile(path.join(volumeDir, "data.bin"), "utf8")).toBe("changed after the snapshot");
  });

  it("restores with --yes: one progress line per phase on stderr, the data back, a restore run recorded", async () => {
    const run = await berth(["snapshot", "restore", REF, snapshotId, "--yes", "--json"]);
    const result = json<{ restoreRunId: string; restored: string[]; undoCopy: string }>(run);
    expect(result.restored).toEqual(["/data"]);
    const lines = run.stderr.split("\n").filter(Boolean);
    for (const phase of ["staging", "swapping"]) expect(lines).toContain(`restore: ${phase}`);
    expect(lines.indexOf("restore: staging")).toBeLessThan(lines.indexOf("restore: swapping"));
    expect((await fs.readFile(path.join(volumeDir, "data.bin"))).equals(original)).toBe(true);

    const runs = json<{ id: string; snapshotId: string; outcome: string | null }[]>(await berth(["restore-runs", REF, "--json"]));
    expect(runs[0]).toMatchObject({ id: result.restoreRunId, snapshotId, outcome: "succeeded" });
    const table = await berth(["restore-runs", workloadId]);
    expect(table.stdout).toMatch(new RegExp(`^ID\\s+STARTED\\s+SNAPSHOT\\s+OUTCOME\\s+DOWNTIME\\s+DETAIL\\n${result.restoreRunId}\\s`));
  });

  it("a failed operation exits 1 with the server's reason: restoring a snapshot that does not exist", async () => {
    const run = await berth(["snapshot", "restore", REF, "nosuchsnapshot", "--yes"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^berth: Snapshot not found \(not-found\)\n$/);
    expect(run.stdout).toBe("");
  });

  it("deletes a snapshot with --yes (and refuses without it)", async () => {
    expect((await berth(["snapshot", "delete", snapshotId])).code).toBe(2);
    expect(await exists(snapshotFile(snapshotId))).toBe(true);
    const run = await berth(["snapshot", "delete", snapshotId, "--yes", "--json"]);
    expect(json<{ id: string; deleted: boolean }>(run)).toMatchObject({ id: snapshotId, deleted: true });
    expect(await exists(snapshotFile(snapshotId))).toBe(false);
    const ids = json<{ id: string }[]>(await berth(["snapshot", "list", REF, "--json"])).map((s) => s.id);
    expect(ids).not.toContain(snapshotId);
    expect((await berth(["snapshot", "delete", snapshotId, "--yes"])).code).toBe(1);
  });

  it("logout forgets the login; the next command exits 3", async () => {
    const run = await berth(["logout"]);
    expect(run.code).toBe(0);
    expect(await exists(path.join(configDir, "config.json"))).toBe(false);
    expect((await berth(["workloads"])).code).toBe(3);
  });
});

describe("a restore whose workload does not start again", () => {
  const ref = "cli-remote-down/production/app";
  let id: string;
  let snapshotId: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    const mutate = <T>(procedure: string, input: unknown) => trpcHttp(app.url, admin).mutate<T>(procedure, input);
    id = await createDataWorkload(mutate, { project: "cli-remote-down", name: "app", source: "app", image: inject("testImage") });
    await mutate("workload.deploy", { id });
    snapshotId = (await mutate<{ id: string }>("snapshot.create", { workloadId: id, label: "before the bad command" })).id;
    // Saved without a deploy: the restore's redeploy is the first to run it, and Docker cannot start it.
    await mutate("workload.update", {
      id,
      image: inject("testImage"),
      command: ["/berth-no-such-program"],
      volumes: [{ target: "/data", scope: "stage", source: "app" }],
      redeploy: false,
    });
    env = { BERTH_SERVER: app.url, BERTH_TOKEN: admin };
  });

  it("exits 1 after printing the result (JSON has the redeployError), the reason on stderr", async () => {
    const run = await berth(["snapshot", "restore", ref, snapshotId, "--yes", "--json"], { env });
    expect(run.code, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout) as { restored: string[]; redeployError?: string };
    expect(result.restored).toEqual(["/data"]);
    expect(result.redeployError).toMatch(/^app: /);
    expect(run.stderr).toMatch(/\nberth: the snapshot was restored, but the workload did not start again: app: .+ \(redeploy-failed\)\n$/);
    const runs = await trpcHttp(app.url, admin).query<{ outcome: string | null; detail: string | null }[]>("snapshot.restoreRuns", {
      workloadId: id,
    });
    expect(runs[0]).toMatchObject({ outcome: "succeeded", detail: "redeploy-failed" });
  });

  it("without --json: the summary on stdout, the failure on stderr, exit 1", async () => {
    const run = await berth(["snapshot", "restore", ref, snapshotId, "--yes"], { env });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`^restored ${snapshotId} onto ${ref} `));
    expect(run.stderr).toMatch(/berth: the snapshot was restored, but the workload did not start again: app: .+ \(redeploy-failed\)\n$/);
  });
});

describe("README: the typed client script", () => {
  const examplePath = path.join(root, "examples/typed-client.ts");

  it("is the README's code block, verbatim", async () => {
    const readme = await fs.readFile(path.join(root, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("\n## Scripting\n"));
    const block = /\n```ts\n([\s\S]*?)```\n/.exec(section)?.[1];
    expect(block).toBe(await fs.readFile(examplePath, "utf8"));
  });

  it("type-checks with the server's AppRouter", async () => {
    // Only this file (and what it imports), with the project's compiler options.
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-example-tsc-"));
    try {
      const tsconfig = path.join(dir, "tsconfig.json");
      const config = {
        extends: path.join(root, "tsconfig.json"),
        // Outside the checkout, modules and @types are looked up in it explicitly.
        compilerOptions: {
          incremental: false,
          typeRoots: [path.join(root, "node_modules/@types")],
          paths: { "~/*": [path.join(root, "src/*")], "*": [path.join(root, "node_modules/@types/*"), path.join(root, "node_modules/*")] },
        },
        files: [examplePath, path.join(root, "src/types/next-auth.d.ts")],
        include: [],
      };
      await fs.writeFile(tsconfig, JSON.stringify(config));
      await execFileAsync(path.join(root, "node_modules/.bin/tsc"), ["--noEmit", "-p", tsconfig], { cwd: root });
      // The check can fail: a wrong procedure name is a type error.
      const broken = path.join(dir, "broken.ts");
      await fs.writeFile(broken, (await fs.readFile(examplePath, "utf8")).replace("snapshot.list.query", "snapshot.lits.query"));
      await fs.writeFile(tsconfig, JSON.stringify({ ...config, files: [broken, path.join(root, "src/types/next-auth.d.ts")] }));
      const failed = await execFileAsync(path.join(root, "node_modules/.bin/tsc"), ["--noEmit", "-p", tsconfig], { cwd: root }).then(
        () => "",
        (error: { stdout: string }) => error.stdout,
      );
      expect(failed).toContain("Property 'lits' does not exist");
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it("runs against the server: lists the snapshots, then starts one", async () => {
    const before = await trpcHttp(app.url, admin).query<{ id: string }[]>("snapshot.list", { workloadId });
    const { stdout } = await execFileAsync(path.join(root, "node_modules/.bin/tsx"), [examplePath], {
      cwd: root,
      env: { ...process.env, BERTH_SERVER: app.url, BERTH_TOKEN: admin, WORKLOAD_ID: workloadId },
    });
    const lines = stdout.trim().split("\n");
    expect(
      lines
        .slice(0, -1)
        .map((l) => l.split(" ")[0])
        .sort(),
    ).toEqual(before.map((s) => s.id).sort());
    expect(before.length).toBeGreaterThan(0);
    const created = /^created (\S+) \((\d+) bytes, sha256 ([0-9a-f]{64})\)$/.exec(lines.at(-1)!);
    expect(created).not.toBeNull();
    const after = await trpcHttp(app.url, admin).query<{ id: string; label: string; sha256: string }[]>("snapshot.list", { workloadId });
    expect(after.find((s) => s.id === created![1])).toMatchObject({ label: "from a script", sha256: created![3] });
  });
});
