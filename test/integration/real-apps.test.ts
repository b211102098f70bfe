// Real applications in real containers, with their data in Berth bind volumes: a snapshot
// must give back a volume the application accepts. PostgreSQL 15 refuses a data directory
// that is not owned by its user with mode 0700; git checks the owner of a repository and
// its objects, and a work tree holds symlinks and (after `clone --local`) hardlinked objects.
// Images come from Debian packages (test/support/app-images.ts); a cold build takes minutes.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { engineDeps } from "~/server/engine-deps";
import { restoreSnapshot } from "~/server/engine/restore/restore";
import { createSnapshot } from "~/server/engine/snapshots/capture";
import { deployWorkload, getWorkload } from "~/server/engine/workloads/workloads";
import { appImage } from "../support/app-images";
import { removeWorkloadContainersAfterAll } from "../support/container-cleanup";
import { longRunning, makeWorkload, testActor } from "../support/workload-fixtures";
import { PG_BIN, PGDATA, postgresCommand } from "../support/postgres";

const run = promisify(execFile);
const IMAGE_BUILD_TIMEOUT_MS = 20 * 60_000;
const CASE_TIMEOUT_MS = 5 * 60_000;

removeWorkloadContainersAfterAll();
const volumeDir = (project: string, source: string) =>
  path.join(engineDeps.dataDir, "volumes/projects", project, "stages/production", source);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const skipVanished = (error: NodeJS.ErrnoException) => {
  if (error.code !== "ENOENT") throw error;
};

/** `docker` on the private test engine. */
async function docker(args: string[]): Promise<string> {
  try {
    return (await run("docker", ["-H", inject("dockerHost"), ...args], { maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`docker ${args.join(" ")} failed: ${(e.stderr || e.stdout || e.message).trim()}`);
  }
}

interface ExecOptions {
  user?: string;
  env?: Record<string, string>;
}
const exec = (container: string, script: string, opts: ExecOptions = {}) =>
  docker([
    "exec",
    ...(opts.user ? ["-u", opts.user] : []),
    ...Object.entries(opts.env ?? {}).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
    container,
    "sh",
    "-c",
    script,
  ]);

async function containerState(container: string): Promise<string> {
  return (await docker(["inspect", "-f", "{{.State.Status}}", container])).trim();
}

const logsTail = async (container: string) =>
  (
    await run("docker", ["-H", inject("dockerHost"), "logs", "--tail", "30", container]).then(
      (r) => r.stdout + r.stderr,
      (e: Error) => e.message,
    )
  ).trim();

async function deployed(settings: Parameters<typeof makeWorkload>[0]) {
  const w = await makeWorkload({ restartPolicy: "no", ...settings });
  await deployWorkload(engineDeps, testActor, w.id);
  return { w, container: (await getWorkload(engineDeps, testActor, w.id)).containerName };
}

/**
 * Type, mode, owner and content (or link target) of every entry under `root`, plus which
 * paths share an inode. An entry that vanishes during the walk (a running server's temp
 * files) is left out.
 */
async function describeTree(root: string) {
  const entries: Record<string, string> = {};
  const inodes = new Map<bigint, string[]>();
  async function walk(rel: string) {
    const abs = path.join(root, rel);
    const st = await fs.lstat(abs, { bigint: true });
    const meta = `${(Number(st.mode) & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
    if (st.isSymbolicLink()) entries[rel] = `symlink ${meta} -> ${await fs.readlink(abs)}`;
    else if (st.isFile()) {
      entries[rel] = `file ${meta} ${createHash("sha256")
        .update(await fs.readFile(abs))
        .digest("hex")
        .slice(0, 16)}`;
      inodes.set(st.ino, [...(inodes.get(st.ino) ?? []), rel]);
    } else if (st.isDirectory()) {
      entries[`${rel}/`] = `dir ${meta}`;
      for (const name of (await fs.readdir(abs)).sort()) await walk(path.join(rel, name)).catch(skipVanished);
    } else entries[rel] = `other ${meta}`;
  }
  await walk("");
  const hardlinkGroups = [...inodes.values()]
    .filter((g) => g.length > 1)
    .map((g) => g.sort().join(" = "))
    .sort();
  return { entries, hardlinkGroups };
}

/** "path: before → after" for every entry that differs (the first 40; a diff of whole trees is unreadable). */
function treeDiff(before: Record<string, string>, after: Record<string, string>): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const lines = keys.filter((k) => before[k] !== after[k]).map((k) => `${k}: ${before[k] ?? "(absent)"} → ${after[k] ?? "(absent)"}`);
  return lines.length > 40 ? [...lines.slice(0, 40), `… and ${lines.length - 40} more`] : lines;
}

let postgresImage = "";
let gitImage = "";
beforeAll(async () => {
  [postgresImage, gitImage] = await Promise.all([appImage("postgres"), appImage("git")]);
}, IMAGE_BUILD_TIMEOUT_MS);

// ---------------------------------------------------------------------------------------

const psql = (container: string, ...commands: string[]) =>
  exec(
    container,
    `${PG_BIN}/psql -h /tmp -U postgres -d postgres -v ON_ERROR_STOP=1 -X -q -At ${commands.map((c) => `-c "${c}"`).join(" ")}`,
    {
      user: "postgres",
    },
  );

async function waitForPostgres(container: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await containerState(container);
    if (state !== "running") throw new Error(`PostgreSQL's container is ${state}; its log ends with:\n${await logsTail(container)}`);
    const ready = await exec(container, `${PG_BIN}/pg_isready -h /tmp -q`, { user: "postgres" }).then(
      () => true,
      () => false,
    );
    if (ready) return;
    if (Date.now() > deadline)
      throw new Error(`PostgreSQL not ready after ${timeoutMs / 1000}s; its log ends with:\n${await logsTail(container)}`);
    await sleep(250);
  }
}

const CHECKSUM = "select count(*) || ' ' || md5(string_agg(t::text, ',' order by id)) from t";
const checksum = async (container: string) => (await psql(container, CHECKSUM)).trim();
const changeRows = (container: string, round: number) =>
  psql(
    container,
    `update t set v = 'changed ${round}' where id % 7 = ${round}`,
    `delete from t where id % 11 = ${round}`,
    `insert into t select g, 'new ${round}', ${round} from generate_series(${20_000 + round * 1000}, ${20_499 + round * 1000}) g`,
  );

async function startPostgres(name: string) {
  const { w, container } = await deployed({
    name,
    image: postgresImage,
    command: postgresCommand,
    volumes: [{ target: PGDATA, scope: "stage", source: "pgdata" }],
  });
  await waitForPostgres(container);
  await psql(
    container,
    "create table t (id int primary key, v text not null, n bigint not null)",
    "insert into t select g, md5(g::text), g::bigint * g from generate_series(1, 10000) g",
  );
  // Nothing left for autovacuum to do and everything on disk: the server is idle while a live snapshot reads it.
  await psql(container, "vacuum analyze t", "checkpoint");
  const ids = (await exec(container, "id -u postgres; id -g postgres")).trim().split("\n").map(Number);
  return { w, container, hostData: volumeDir(w.projectSlug, "pgdata"), uid: ids[0]!, gid: ids[1]! };
}

type Postgres = Awaited<ReturnType<typeof startPostgres>>;

/** After a restore: the data directory and everything in it belong to postgres, the directory is 0700. */
async function expectOwnedByPostgres(pg: Postgres) {
  const dir = await fs.lstat(pg.hostData);
  expect
    .soft({ uid: dir.uid, gid: dir.gid, mode: (dir.mode & 0o7777).toString(8) }, "data directory")
    .toEqual({ uid: pg.uid, gid: pg.gid, mode: "700" });
  const conf = await fs.lstat(path.join(pg.hostData, "postgresql.conf"));
  expect.soft({ uid: conf.uid, gid: conf.gid }, "postgresql.conf").toEqual({ uid: pg.uid, gid: pg.gid });
  const { entries } = await describeTree(pg.hostData);
  const foreign = Object.entries(entries)
    .filter(([, d]) => !d.includes(` ${pg.uid}:${pg.gid}`))
    .map(([p, d]) => `${p} ${d}`);
  expect.soft(foreign.length, `entries not owned by postgres, e.g. ${foreign.slice(0, 5).join("; ")}`).toBe(0);
}

async function snapshotChangeRestore(pg: Postgres, quiesce: boolean) {
  const before = await checksum(pg.container);
  expect(before).toMatch(/^10000 [0-9a-f]{32}$/);
  const snapshot = await createSnapshot(engineDeps, testActor, { workloadId: pg.w.id, label: quiesce ? "stopped" : "live", quiesce });
  expect(snapshot.capturedLive).toBe(!quiesce);
  await waitForPostgres(pg.container); // a stopped capture starts the container again
  await changeRows(pg.container, 1);
  expect(await checksum(pg.container)).not.toBe(before);

  await restoreSnapshot(engineDeps, testActor, { workloadId: pg.w.id, snapshotId: snapshot.id, confirm: snapshot.id });
  await engineDeps.restores.settled();
  const notStarted = await waitForPostgres(pg.container).then(
    () => null,
    (e: Error) => e,
  );
  await expectOwnedByPostgres(pg); // also when it did not start: the owners say why
  if (notStarted) throw notStarted;
  expect(await checksum(pg.container)).toBe(before);
  // The restored server is a working one, not only a readable one.
  await changeRows(pg.container, 2);
  await psql(pg.container, "checkpoint");
  expect(await checksum(pg.container)).not.toBe(before);
}

describe("PostgreSQL 15 with its data directory in a Berth volume", () => {
  it(
    "a live snapshot restores into a server that starts and answers with the snapshot's rows",
    async () => {
      await snapshotChangeRestore(await startPostgres("pg-live"), false);
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'a snapshot taken with "stop containers during capture" does the same',
    async () => {
      await snapshotChangeRestore(await startPostgres("pg-stopped"), true);
    },
    CASE_TIMEOUT_MS,
  );
});

// ---------------------------------------------------------------------------------------

const GIT_ROOT = "/srv/git";
// git runs as an ordinary user: it refuses a repository owned by someone else ("dubious ownership").
const GIT_USER = {
  user: "1000:1000",
  env: {
    HOME: "/tmp",
    GIT_AUTHOR_NAME: "Berth Test",
    GIT_AUTHOR_EMAIL: "test@berth.invalid",
    GIT_COMMITTER_NAME: "Berth Test",
    GIT_COMMITTER_EMAIL: "test@berth.invalid",
  },
};
const SYMLINKS: Record<string, string> = {
  "origin/readme-link": "README",
  "origin/src/up-link": "../README",
  "origin/abs-link": `${GIT_ROOT}/origin/src/numbers.txt`,
  "origin/outside-link": "/etc/hostname",
  "origin/dangling-link": "does-not-exist",
};

const makeRepos = `set -e
cd ${GIT_ROOT}
git init -q -b main origin
cd origin
mkdir -p src
printf 'hello\\n' > README
seq 1 5000 > src/numbers.txt
printf '#!/bin/sh\\necho run\\n' > run.sh
chmod 755 run.sh
${Object.entries(SYMLINKS)
  .map(([link, target]) => `ln -s '${target}' '${path.relative("origin", link)}'`)
  .join("\n")}
git add -A
git commit -q -m first
echo more >> README
git commit -q -am second
cd ..
git clone -q --local origin clone`;

const gitCheck = (container: string, repo: string) =>
  exec(
    container,
    `cd ${GIT_ROOT}/${repo} && git fsck --full --strict --no-progress && git status --porcelain && git rev-parse HEAD`,
    GIT_USER,
  );

describe("git repositories in a Berth volume", () => {
  it(
    "come back with their symlinks, hardlinked objects and owners: git fsck passes and the work trees are clean",
    async () => {
      const { w, container } = await deployed({
        name: "git",
        image: gitImage,
        command: longRunning("true"),
        volumes: [{ target: GIT_ROOT, scope: "stage", source: "repos" }],
      });
      const host = volumeDir(w.projectSlug, "repos");
      await exec(container, `chown 1000:1000 ${GIT_ROOT}`);
      await exec(container, makeRepos, GIT_USER);
      const heads = { origin: (await gitCheck(container, "origin")).trim(), clone: (await gitCheck(container, "clone")).trim() };
      expect(heads.origin).toMatch(/^[0-9a-f]{40}$/); // clean work tree: only the commit id is printed
      expect(heads.clone).toBe(heads.origin);

      const before = await describeTree(host);
      // What the restore must reproduce is there: the links, and objects shared by both repositories.
      for (const [link, target] of Object.entries(SYMLINKS)) expect(before.entries[link]).toBe(`symlink 777 1000:1000 -> ${target}`);
      const sharedObjects = before.hardlinkGroups.filter((g) => g.startsWith("clone/.git/objects/"));
      expect(sharedObjects.length).toBeGreaterThanOrEqual(6); // 2 commits, 2+ trees, 3+ blobs

      const snapshot = await createSnapshot(engineDeps, testActor, { workloadId: w.id, label: "repos" });

      // Damage: a new commit, a lost symlink, a link turned into a file, a corrupt shared object, lost objects.
      await exec(container, `cd ${GIT_ROOT}/origin && echo later > later.txt && git add later.txt && git commit -q -m later`, GIT_USER);
      await fs.rm(path.join(host, "origin/readme-link"));
      await fs.rm(path.join(host, "origin/src/up-link"));
      await fs.writeFile(path.join(host, "origin/src/up-link"), "not a link\n");
      const shared = sharedObjects[0]!.split(" = ")[0]!;
      await fs.chmod(path.join(host, shared), 0o644);
      await fs.writeFile(path.join(host, shared), "garbage");
      await fs.rm(path.join(host, path.dirname(sharedObjects[1]!.split(" = ")[0]!)), { recursive: true, force: true });
      await expect(gitCheck(container, "clone")).rejects.toThrow(/fatal|error|missing|corrupt/i);

      await restoreSnapshot(engineDeps, testActor, { workloadId: w.id, snapshotId: snapshot.id, confirm: snapshot.id });
      await engineDeps.restores.settled();
      const after = await describeTree(host);
      const links: Record<string, string> = {};
      for (const link of Object.keys(SYMLINKS)) {
        const st = await fs.lstat(path.join(host, link)).catch(() => null);
        links[link] = !st ? "(absent)" : st.isSymbolicLink() ? await fs.readlink(path.join(host, link)) : "(not a symlink)";
      }
      expect.soft(links, "symlinks and their targets").toEqual(SYMLINKS);
      expect.soft(after.hardlinkGroups, "files sharing an inode").toEqual(before.hardlinkGroups);
      expect.soft(treeDiff(before.entries, after.entries), "type, mode, owner and content of every entry").toEqual([]);

      // git itself, as the repositories' owner, in the container, and the host's git on the same files.
      expect((await getWorkload(engineDeps, testActor, w.id)).status.state).toBe("running");
      expect
        .soft(
          await gitCheck(container, "origin").then(
            (out) => out.trim(),
            (e: Error) => e.message,
          ),
          "git in origin",
        )
        .toBe(heads.origin);
      expect
        .soft(
          await gitCheck(container, "clone").then(
            (out) => out.trim(),
            (e: Error) => e.message,
          ),
          "git in clone",
        )
        .toBe(heads.clone);
      for (const repo of ["origin", "clone"]) {
        const hostGit = await run("git", [
          "-c",
          "safe.directory=*",
          "-C",
          path.join(host, repo),
          "fsck",
          "--full",
          "--strict",
          "--no-progress",
        ]).then(
          () => "ok",
          (e: { stderr?: string; message: string }) => (e.stderr || e.message).trim(),
        );
        expect.soft(hostGit, `host git fsck in ${repo}`).toBe("ok");
      }
    },
    CASE_TIMEOUT_MS,
  );
});
