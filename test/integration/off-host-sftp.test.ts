// Off-host copies over a real OpenSSH server (test/support/sftp-server.ts: Debian's sshd on a
// loopback port with its own keys, in its own temp folder) and the real Docker engine: the role
// matrix of storage targets and of the snapshots' off-host procedures, a copy with the host key
// pinned on first use, a copy resumed after its connection was cut, a changed host key refused,
// a corrupted copy found by verification and told to a real webhook, a restore from the copy
// after the local file was lost, and a new install that imports from the target.
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineDeps } from "~/server/create-engine-deps";
import { engineDeps } from "~/server/engine-deps";
import { createAlertTarget } from "~/server/engine/alerts/alert-targets";
import type { EngineDeps } from "~/server/engine/deps";
import type { OperationEvent } from "~/server/engine/operations";
import { restoreSnapshot } from "~/server/engine/restore/restore";
import { createSnapshot } from "~/server/engine/snapshots/capture";
import { snapshotFilePath } from "~/server/engine/snapshots/snapshot-store";
import { CopyTasks } from "~/server/engine/storage/copy-tasks";
import { copySnapshotNow, runCopy, runDueCopies } from "~/server/engine/storage/copy-run";
import { fetchCopy } from "~/server/engine/storage/fetch-copy";
import { browseTarget, importFromTarget } from "~/server/engine/storage/remote-archives";
import { createStorageTarget, setCopyPolicy, testStorageTarget } from "~/server/engine/storage/storage-targets";
import { verifySnapshot } from "~/server/engine/verify/verify-snapshot";
import { createProject, createStage } from "~/server/engine/workloads/projects";
import { createWorkload, deployWorkload } from "~/server/engine/workloads/workloads";
import { engineSettingsFromEnv } from "~/server/settings";
import { inject } from "vitest";
import { removeWorkloadContainersAfterAll } from "../support/container-cleanup";
import { createIdentities } from "../support/identities";
import { allProcedurePaths, OFF_HOST_SNAPSHOT_PROCEDURES, runRoleMatrix, type MatrixEntry } from "../support/role-matrix";
import { startSftpServer, type SftpServer } from "../support/sftp-server";
import { createTestDatabase } from "../support/test-database";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver";
import { longRunning, makeWorkload, testActor } from "../support/workload-fixtures";

removeWorkloadContainersAfterAll();
let server: SftpServer;
let receiver: WebhookReceiver;
// Retries come at once here: the back-off itself is tested on a moved clock (test/unit/off-host-copies.test.ts).
const deps: EngineDeps = { ...engineDeps, copies: new CopyTasks({ retryDelaysMs: [0, 0], verifyIntervalMs: 0 }) };

beforeAll(async () => {
  server = await startSftpServer();
  receiver = await startWebhookReceiver();
  await createAlertTarget(deps, testActor, {
    name: "off-host",
    format: "json",
    url: `${receiver.origin}/off-host`,
    events: ["copy-failed", "verify-failed", "test-restore-failed"],
  });
});
afterAll(async () => {
  await deps.restores.settled();
  await deps.copies.settled();
  await deps.alerts.settled();
  await receiver?.close();
  await server?.stop();
});

const sftpTarget = (d: EngineDeps, folder = server.folder) =>
  createStorageTarget(d, testActor, {
    kind: "sftp",
    name: `sshd ${Math.random().toString(36).slice(2, 6)}`,
    host: server.host,
    port: server.port,
    username: server.username,
    folder,
    privateKey: server.privateKey,
  });

/** A workload whose one volume holds `bytes` random bytes in data.bin (random: gzip leaves the archive that big). */
async function withData(bytes = 64 * 1024) {
  const w = await makeWorkload({
    name: `w${Math.random().toString(36).slice(2, 8)}`,
    volumes: [{ target: "/data", scope: "stage", source: "data" }],
  });
  const hostPath = w.volumePreview[0]!.hostPath!;
  await fs.mkdir(hostPath, { recursive: true });
  await fs.writeFile(path.join(hostPath, "data.bin"), randomBytes(bytes));
  return { w, hostPath };
}

const sha256 = async (file: string) =>
  createHash("sha256")
    .update(await fs.readFile(file))
    .digest("hex");
const copyOf = (snapshotId: string, targetId: string) =>
  deps.db.snapshotCopy.findUniqueOrThrow({ where: { snapshotId_targetId: { snapshotId, targetId } } });
const bodies = () => receiver.requests.map((r) => JSON.parse(r.body) as { event: string; reason: string });

describe("roles", () => {
  it("keeps storage targets to admins; viewers read copies and test restores, only admins copy, verify, fetch or test", async () => {
    const ids = await createIdentities(deps);
    const target = () => sftpTarget(deps);
    const copied = async () => {
      const { w } = await withData();
      const t = await target();
      const snapshot = await createSnapshot(deps, testActor, { workloadId: w.id });
      await copySnapshotNow(deps, testActor, { id: snapshot.id, targetId: t.id });
      await runDueCopies(deps);
      return { w, t, snapshot, copy: await copyOf(snapshot.id, t.id) };
    };
    const entries: Record<string, MatrixEntry> = {
      "storageTarget.list": { role: "ADMIN", input: () => undefined },
      "storageTarget.create": {
        role: "ADMIN",
        input: () => ({
          kind: "sftp",
          name: "m",
          host: server.host,
          port: server.port,
          username: "root",
          folder: server.folder,
          password: "x",
        }),
      },
      "storageTarget.update": { role: "ADMIN", input: async () => ({ id: (await target()).id, enabled: false }) },
      "storageTarget.delete": { role: "ADMIN", input: async () => ({ id: (await target()).id }) },
      "storageTarget.test": { role: "ADMIN", input: async () => ({ id: (await target()).id }) },
      "storageTarget.browse": { role: "ADMIN", input: async () => ({ id: (await target()).id }) },
      "storageTarget.importArchive": {
        role: "ADMIN",
        input: async () => {
          const { t, snapshot } = await copied();
          const { w } = await withData();
          return { targetId: t.id, name: `${snapshot.id}.tar.gz`, workloadId: w.id };
        },
      },
      "storageTarget.copyPolicy": { role: "ADMIN", input: async () => ({ workloadId: (await withData()).w.id }) },
      "storageTarget.setCopyPolicy": {
        role: "ADMIN",
        input: async () => ({ workloadId: (await withData()).w.id, targetIds: [(await target()).id] }),
      },
      "snapshot.copies": { role: "VIEWER", input: async () => ({ workloadId: (await withData()).w.id }) },
      "snapshot.copy": {
        role: "ADMIN",
        input: async () => {
          const { w } = await withData();
          return { id: (await createSnapshot(deps, testActor, { workloadId: w.id })).id, targetId: (await target()).id };
        },
      },
      "snapshot.fetchCopy": {
        role: "ADMIN",
        input: async () => {
          const { copy, snapshot } = await copied();
          await fs.rm(snapshotFilePath(deps.dataDir, { workloadId: snapshot.workloadId, fileName: `${snapshot.id}.tar.gz` }));
          return { copyId: copy.id };
        },
      },
      "snapshot.verify": {
        role: "ADMIN",
        input: async () => ({ id: (await createSnapshot(deps, testActor, { workloadId: (await withData()).w.id })).id }),
      },
      "snapshot.testRestore": {
        role: "ADMIN",
        input: async () => ({
          id: (await createSnapshot(deps, testActor, { workloadId: (await withData()).w.id })).id,
          command: "test -f /data/data.bin",
        }),
      },
      "snapshot.testRestores": { role: "VIEWER", input: async () => ({ workloadId: (await withData()).w.id }) },
    };
    const covered = allProcedurePaths().filter((p) => p.startsWith("storageTarget.") || OFF_HOST_SNAPSHOT_PROCEDURES.includes(p));
    expect(Object.keys(entries).sort()).toEqual(covered);
    const outcomes = await runRoleMatrix(entries, ids.headers);
    for (const [p, byIdentity] of Object.entries(outcomes)) expect(byIdentity.admin.ok, p).toBe(true);
    // Nothing a client is sent names a credential.
    expect(JSON.stringify(outcomes, (_k, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain("PRIVATE KEY");
  });
});

describe("copies over SFTP", () => {
  it("pins the host key on the first connection and copies a new snapshot, verified by re-reading it", async () => {
    const { w } = await withData();
    const target = await sftpTarget(deps);
    expect(target.hostKey).toBeNull();
    expect(await testStorageTarget(deps, testActor, { id: target.id })).toEqual({ ok: true, hostKey: server.hostKeyFingerprint });
    await setCopyPolicy(deps, testActor, { workloadId: w.id, targetIds: [target.id] });
    const snapshot = await createSnapshot(deps, testActor, { workloadId: w.id });
    await runDueCopies(deps);
    expect(await copyOf(snapshot.id, target.id)).toMatchObject({ state: "verified", attempts: 1 });
    expect(await sha256(path.join(server.folder, `${snapshot.id}.tar.gz`))).toBe(snapshot.sha256);
    await expect(fs.stat(path.join(server.folder, `${snapshot.id}.tar.gz.partial`))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("resumes a copy whose connection was cut mid-transfer from where it stopped", async () => {
    const { w } = await withData(48 * 1024 * 1024);
    const target = await sftpTarget(deps);
    const snapshot = await createSnapshot(deps, testActor, { workloadId: w.id });
    await copySnapshotNow(deps, testActor, { id: snapshot.id, targetId: target.id });
    const copy = await copyOf(snapshot.id, target.id);

    const events: OperationEvent[] = [];
    let cut = false;
    const watcher = new AbortController();
    const watching = (async () => {
      for await (const e of deps.operations.watch(w.id, watcher.signal)) {
        if (e.kind !== "copy") continue;
        events.push(e);
        if (!cut && e.phase === "copying" && e.bytesDone > 8 * 1024 * 1024) {
          cut = true;
          await server.killSessions();
        }
      }
    })().catch(() => {});
    await runCopy(deps, copy.id);
    const afterCut = await copyOf(snapshot.id, target.id);
    expect(cut).toBe(true);
    expect(afterCut).toMatchObject({ state: "queued", attempts: 1 });
    const partial = (await fs.stat(path.join(server.folder, `${snapshot.id}.tar.gz.partial`))).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(Number(snapshot.size));

    events.length = 0;
    await runCopy(deps, copy.id);
    watcher.abort();
    await watching;
    // The second try started at the bytes the first left on the server, not at zero.
    expect(events.find((e) => e.phase === "copying")?.bytesDone).toBe(partial);
    expect(await copyOf(snapshot.id, target.id)).toMatchObject({ state: "verified", attempts: 2, detail: null });
    expect(await sha256(path.join(server.folder, `${snapshot.id}.tar.gz`))).toBe(snapshot.sha256);
  }, 120_000);

  it("refuses a server whose host key is not the pinned one: the copy fails at once and alerts", async () => {
    receiver.requests.length = 0;
    const { w } = await withData();
    const target = await sftpTarget(deps);
    await deps.db.storageTarget.update({
      where: { id: target.id },
      data: { hostKey: "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
    });
    const refused = await testStorageTarget(deps, testActor, { id: target.id });
    expect(refused).toMatchObject({ ok: false, reason: "target-host-key-mismatch", params: { actual: server.hostKeyFingerprint } });

    const snapshot = await createSnapshot(deps, testActor, { workloadId: w.id });
    await copySnapshotNow(deps, testActor, { id: snapshot.id, targetId: target.id });
    await runDueCopies(deps);
    expect(await copyOf(snapshot.id, target.id)).toMatchObject({ state: "failed", attempts: 1 });
    await expect(fs.stat(path.join(server.folder, `${snapshot.id}.tar.gz`))).rejects.toMatchObject({ code: "ENOENT" });
    await deps.alerts.settled();
    expect(bodies()).toMatchObject([{ event: "copy-failed", reason: "target-host-key-mismatch" }]);
  });

  it("finds a copy corrupted on the server when verifying, and alerts", async () => {
    receiver.requests.length = 0;
    const { w } = await withData();
    const target = await sftpTarget(deps);
    const snapshot = await createSnapshot(deps, testActor, { workloadId: w.id });
    await copySnapshotNow(deps, testActor, { id: snapshot.id, targetId: target.id });
    await runDueCopies(deps);
    const remote = path.join(server.folder, `${snapshot.id}.tar.gz`);
    const bytes = await fs.readFile(remote);
    bytes[bytes.length >> 1]! ^= 0x55;
    await fs.writeFile(remote, bytes);

    const result = await verifySnapshot(deps, testActor, { id: snapshot.id });
    expect(result).toMatchObject({ outcome: "passed", copies: [{ state: "corrupt", reason: "copy-checksum-mismatch" }] });
    await deps.alerts.settled();
    expect(bodies()).toMatchObject([{ event: "verify-failed", reason: "copy-checksum-mismatch" }]);
  });

  it("restores from the copy after the local file was lost", async () => {
    const { w, hostPath } = await withData();
    await fs.writeFile(path.join(hostPath, "note.txt"), "as snapshotted");
    await deployWorkload(deps, testActor, w.id);
    const target = await sftpTarget(deps);
    const snapshot = await createSnapshot(deps, testActor, { workloadId: w.id });
    await copySnapshotNow(deps, testActor, { id: snapshot.id, targetId: target.id });
    await runDueCopies(deps);
    await fs.writeFile(path.join(hostPath, "note.txt"), "changed since");

    await fs.rm(snapshotFilePath(deps.dataDir, { workloadId: w.id, fileName: `${snapshot.id}.tar.gz` }));
    const request = { workloadId: w.id, snapshotId: snapshot.id, confirm: snapshot.id };
    await expect(restoreSnapshot(deps, testActor, request)).rejects.toMatchObject({ reason: "snapshot-file-missing" });
    await fetchCopy(deps, testActor, { copyId: (await copyOf(snapshot.id, target.id)).id });
    await restoreSnapshot(deps, testActor, request);
    expect(await fs.readFile(path.join(hostPath, "note.txt"), "utf8")).toBe("as snapshotted");
  });
});

describe("disaster recovery", () => {
  it("a new install pointed at the server lists the copies and restores one into a new workload", async () => {
    const { w, hostPath } = await withData();
    const folder = path.join(server.folder, "dr");
    await fs.mkdir(folder);
    const target = await sftpTarget(deps, folder);
    const snapshot = await createSnapshot(deps, testActor, { workloadId: w.id, label: "before the disk died" });
    await copySnapshotNow(deps, testActor, { id: snapshot.id, targetId: target.id });
    await runDueCopies(deps);

    const fresh = await createTestDatabase();
    try {
      const settings = engineSettingsFromEnv({ ...process.env, BERTH_DATA_DIR: fresh.dataDir, DATABASE_URL: undefined });
      const newHost = createEngineDeps(fresh.db, settings, { runtime: deps.runtime });
      const again = await sftpTarget(newHost, folder);
      const listed = await browseTarget(newHost, testActor, { id: again.id });
      expect(listed).toMatchObject([{ snapshotId: snapshot.id, described: { workloadName: w.name, label: "before the disk died" } }]);
      // It was pinned by this install's first connection, to the same server key.
      expect((await newHost.db.storageTarget.findUniqueOrThrow({ where: { id: again.id } })).hostKey).toBe(server.hostKeyFingerprint);

      const project = await createProject(newHost, testActor, { slug: `dr${Math.random().toString(36).slice(2, 6)}` });
      const stage = await createStage(newHost, testActor, { projectId: project.id, slug: "production" });
      const rebuilt = await createWorkload(newHost, testActor, {
        projectId: project.id,
        stageId: stage.id,
        name: w.name,
        image: inject("testImage"),
        command: longRunning("true"),
        env: [],
        ports: [],
        restartPolicy: "no",
        volumes: [{ target: "/data", scope: "stage", source: "data" }],
        labels: {},
      });
      const imported = await importFromTarget(newHost, testActor, { targetId: again.id, name: listed[0]!.name, workloadId: rebuilt.id });
      await restoreSnapshot(newHost, testActor, { workloadId: rebuilt.id, snapshotId: imported.id, confirm: imported.id });
      await newHost.restores.settled();
      const restored = rebuilt.volumePreview[0]!.hostPath!;
      expect(await sha256(path.join(restored, "data.bin"))).toBe(await sha256(path.join(hostPath, "data.bin")));
    } finally {
      await fresh.close();
    }
  });
});
