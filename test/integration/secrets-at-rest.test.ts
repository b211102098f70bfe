// Secret env values are sealed (AES-256-GCM) in the database with the data dir's secret-key:
// the SQLite file never holds them in clear, the container still gets the real value, and a
// wrong key fails clearly instead of starting a container with garbage.
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { createDockerClient } from "~/server/docker/client";
import { db } from "~/server/db";
import { databaseUrl } from "~/server/database-url";
import { engineDeps } from "~/server/engine-deps";
import { createAlertTarget } from "~/server/engine/alerts/alert-targets";
import { createSecretBox, sealedKeyId } from "~/server/engine/secret-box";
import { resealSecrets } from "~/server/engine/workloads/reseal-secrets";
import { deployWorkload, getWorkload, updateWorkload } from "~/server/engine/workloads/workloads";
import { loadSecretBox, rotateSecretKey, secretKeyFile } from "~/server/secret-key";
import { createStorageTarget } from "~/server/engine/storage/storage-targets";
import { removeWorkloadContainersAfterAll } from "../support/container-cleanup";
import { makeWorkload, testActor } from "../support/workload-fixtures";

const docker = createDockerClient(inject("dockerHost"));
const dbFile = databaseUrl().replace(/^file:/, "");
const viewer = { kind: "user", userId: "nobody", label: "viewer", role: "VIEWER" } as const;

removeWorkloadContainersAfterAll();

/** Every byte SQLite has on disk for this database, side files included. */
async function rawDatabase(): Promise<string> {
  await db.$executeRawUnsafe("PRAGMA wal_checkpoint(TRUNCATE)").catch(() => undefined);
  const parts = await Promise.all(["", "-wal", "-journal"].map((s) => fs.readFile(dbFile + s).catch(() => Buffer.alloc(0))));
  return Buffer.concat(parts).toString("latin1");
}
const storedEnv = async (id: string) => (await db.workload.findUniqueOrThrow({ where: { id } })).env;
const containerEnvOf = async (name: string) => (await docker.getContainer(name).inspect()).Config.Env;

describe("secret env values at rest", () => {
  it("keeps them out of the database file in clear, and gives the container the real value", async () => {
    const secret = `pw-${randomBytes(12).toString("hex")}`;
    const w = await makeWorkload({
      name: "sealed",
      env: [
        { key: "DB_PASSWORD", value: secret, secret: true },
        { key: "MODE", value: "plain-mode-value", secret: false },
      ],
    });

    const raw = await rawDatabase();
    expect(raw).not.toContain(secret);
    expect(raw).toContain("plain-mode-value"); // the check can see row text at all
    const stored = JSON.parse(await storedEnv(w.id)) as { key: string; value: string; sealed?: string }[];
    expect(stored[0]).toMatchObject({ key: "DB_PASSWORD", value: "", secret: true, sealed: expect.stringMatching(/^v1:[0-9a-f]{16}:/) });

    const deployed = await deployWorkload(engineDeps, testActor, w.id);
    expect(await containerEnvOf(deployed.containerName)).toEqual(
      expect.arrayContaining([`DB_PASSWORD=${secret}`, "MODE=plain-mode-value"]),
    );

    // Admins still read it, viewers see the mask, and neither ever sees the sealed form.
    const asAdmin = await getWorkload(engineDeps, testActor, w.id);
    expect(asAdmin.env).toEqual([
      { key: "DB_PASSWORD", value: secret, secret: true },
      { key: "MODE", value: "plain-mode-value", secret: false },
    ]);
    expect(JSON.stringify(await getWorkload(engineDeps, viewer, w.id))).not.toMatch(new RegExp(`${secret}|v1:`));

    // Saving with the mask keeps the value; the database still has it sealed only.
    await updateWorkload(engineDeps, testActor, {
      ...asAdmin,
      env: [{ key: "DB_PASSWORD", value: "••••••", secret: true }],
      id: w.id,
      redeploy: true,
    });
    expect(await rawDatabase()).not.toContain(secret);
    expect(await containerEnvOf(deployed.containerName)).toContain(`DB_PASSWORD=${secret}`);
  });

  it("refuses to deploy with a key that does not open the value, with a clear error", async () => {
    const secret = `pw-${randomBytes(12).toString("hex")}`;
    const w = await makeWorkload({ name: "wrongkey", env: [{ key: "TOKEN", value: secret, secret: true }] });
    const otherKey = { ...engineDeps, secrets: createSecretBox(randomBytes(32)) };

    await expect(deployWorkload(otherKey, testActor, w.id)).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: expect.stringMatching(/sealed with another secret key/),
    });
    expect((await getWorkload(engineDeps, testActor, w.id)).status.state).toBe("missing");
    // The admin view shows the mask rather than failing, so the value can be entered again.
    expect((await getWorkload(otherKey, testActor, w.id)).env).toEqual([{ key: "TOKEN", value: "••••••", secret: true }]);

    // A damaged value (right key, altered ciphertext) fails its integrity check.
    const stored = JSON.parse(await storedEnv(w.id)) as { sealed: string }[];
    const sealed = stored[0]!.sealed;
    const flipped = sealed.slice(0, -2) + (sealed.at(-2) === "A" ? "B" : "A") + sealed.at(-1);
    await db.workload.update({ where: { id: w.id }, data: { env: JSON.stringify([{ ...stored[0], sealed: flipped }]) } });
    await expect(deployWorkload(engineDeps, testActor, w.id)).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: expect.stringMatching(/damaged/),
    });
    expect((await getWorkload(engineDeps, testActor, w.id)).env).toEqual([{ key: "TOKEN", value: "••••••", secret: true }]);
  });

  it("still reads values stored in clear before sealing existed, and seals them at start", async () => {
    const secret = `legacy-${randomBytes(12).toString("hex")}`;
    const w = await makeWorkload({ name: "legacy" });
    await db.workload.update({ where: { id: w.id }, data: { env: JSON.stringify([{ key: "OLD", value: secret, secret: true }]) } });

    const deployed = await deployWorkload(engineDeps, testActor, w.id);
    expect(await containerEnvOf(deployed.containerName)).toContain(`OLD=${secret}`);

    // What startup.ts runs.
    const report = await resealSecrets(engineDeps);
    expect(report).toEqual({ resealed: 1, unreadable: [] });
    expect(await storedEnv(w.id)).not.toContain(secret);
    expect(await rawDatabase()).not.toContain(secret);
    await deployWorkload(engineDeps, testActor, w.id);
    expect(await containerEnvOf(deployed.containerName)).toContain(`OLD=${secret}`);
  });

  it("rotates the key: every value re-sealed, the old key no longer opens them", async () => {
    const secret = `rot-${randomBytes(12).toString("hex")}`;
    const w = await makeWorkload({ name: "rotate", env: [{ key: "K", value: secret, secret: true }] });
    const keyFile = secretKeyFile(engineDeps.dataDir);
    const oldKey = await fs.readFile(keyFile);

    // A value no key opens is reported and left as it is: it does not stop the rotation.
    const broken = await makeWorkload({ name: "broken", env: [{ key: "BROKEN", value: "x", secret: true }] });
    const [entry] = JSON.parse(await storedEnv(broken.id)) as { sealed: string }[];
    await db.workload.update({
      where: { id: broken.id },
      data: { env: JSON.stringify([{ ...entry, sealed: entry!.sealed.replace(/:[^:]+$/, ":AAAA") }]) },
    });

    const report = await rotateSecretKey(engineDeps);
    expect(report.resealed).toBeGreaterThanOrEqual(1);
    expect(report.unreadable).toContainEqual({ workloadId: broken.id, key: "BROKEN" });
    const newKey = await fs.readFile(keyFile);
    expect(newKey.equals(oldKey)).toBe(false);
    expect((await fs.stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(await fs.readdir(engineDeps.dataDir)).not.toContain("secret-key.next");

    await expect(deployWorkload(engineDeps, testActor, w.id)).rejects.toThrow(/sealed with another secret key/);
    const rotated = { ...engineDeps, secrets: loadSecretBox(engineDeps.dataDir) };
    const deployed = await deployWorkload(rotated, testActor, w.id);
    expect(await containerEnvOf(deployed.containerName)).toContain(`K=${secret}`);
    expect(path.dirname(keyFile)).toBe(engineDeps.dataDir);
  });

  it("re-seals the copy a deployed container's settings keep (appliedConfig) too, so no old ciphertext outlives the key", async () => {
    const secret = `applied-${randomBytes(12).toString("hex")}`;
    // Sealed with the key on disk now (an earlier test may have rotated it away from engineDeps' box).
    const current = { ...engineDeps, secrets: loadSecretBox(engineDeps.dataDir) };
    const w = await makeWorkload({ name: "applied-rotate" });
    await updateWorkload(current, testActor, { ...w, env: [{ key: "K", value: secret, secret: true }], redeploy: true });
    const appliedEnv = async () =>
      (JSON.parse((await db.workload.findUniqueOrThrow({ where: { id: w.id } })).appliedConfig!) as { env: { sealed: string }[] }).env;
    const before = (await appliedEnv())[0]!.sealed;

    await rotateSecretKey(engineDeps);
    const rotated = { ...engineDeps, secrets: loadSecretBox(engineDeps.dataDir) };
    const after = (await appliedEnv())[0]!.sealed;
    expect(after).not.toBe(before);
    expect(sealedKeyId(after)).toBe(rotated.secrets.keyId);
    expect(rotated.secrets.open(after)).toBe(secret);
    expect(await rawDatabase()).not.toContain(before);
    // Same value under the new key: nothing is waiting for a redeploy.
    expect((await getWorkload(rotated, testActor, w.id)).pendingChanges).toBeNull();
  });

  it("re-seals alert target URLs too when the key rotates", async () => {
    const before = { ...engineDeps, secrets: loadSecretBox(engineDeps.dataDir) };
    const url = `https://hooks.example.com/services/${randomBytes(12).toString("hex")}`;
    const target = await createAlertTarget(before, testActor, { name: "rotate", format: "json", url, events: ["schedule-failed"] });
    const sealedBefore = (await db.alertTarget.findUniqueOrThrow({ where: { id: target.id } })).urlSealed;

    await rotateSecretKey(before);
    const after = loadSecretBox(engineDeps.dataDir);
    const sealedAfter = (await db.alertTarget.findUniqueOrThrow({ where: { id: target.id } })).urlSealed;
    expect(sealedAfter).not.toBe(sealedBefore);
    expect(after.open(sealedAfter)).toBe(url);
    expect(() => before.secrets.open(sealedAfter)).toThrow(/sealed with another secret key/);
  });

  it("re-seals storage targets' passwords and keys too when the key rotates, and never stores them in clear", async () => {
    const before = { ...engineDeps, secrets: loadSecretBox(engineDeps.dataDir) };
    const password = `pw-${randomBytes(12).toString("hex")}`;
    const target = await createStorageTarget(before, testActor, {
      kind: "sftp",
      name: "rotate",
      host: "backup.example.com",
      port: 22,
      username: "berth",
      folder: "/backups",
      password,
    });
    const sealedBefore = (await db.storageTarget.findUniqueOrThrow({ where: { id: target.id } })).secretSealed!;
    expect(sealedBefore).not.toContain(password);

    await rotateSecretKey(before);
    const after = loadSecretBox(engineDeps.dataDir);
    const sealedAfter = (await db.storageTarget.findUniqueOrThrow({ where: { id: target.id } })).secretSealed!;
    expect(sealedAfter).not.toBe(sealedBefore);
    expect(JSON.parse(after.open(sealedAfter))).toEqual({ password });
    expect(() => before.secrets.open(sealedAfter)).toThrow(/sealed with another secret key/);
  });
});
