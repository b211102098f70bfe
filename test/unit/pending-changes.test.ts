import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createSecretBox } from "~/server/engine/secret-box";
import { appliedConfigOf, parseAppliedConfig, pendingState } from "~/server/engine/workloads/pending-changes";
import { sealEnvVar, type WorkloadConfig } from "~/server/engine/workloads/workload-config";

const secrets = createSecretBox(randomBytes(32));

function config(overrides: Partial<WorkloadConfig> = {}): WorkloadConfig {
  return {
    id: "w1",
    name: "app",
    projectId: "p",
    stageId: "s",
    sourceKind: "image",
    desiredState: "running",
    createdAt: new Date(0),
    updatedAt: new Date(0),
    image: "busybox:1",
    command: ["sh", "-c", "sleep 1"],
    env: [{ key: "PLAIN", value: "one", secret: false }, sealEnvVar({ key: "TOKEN", value: "hunter2", secret: true }, secrets)],
    ports: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }],
    restartPolicy: "unless-stopped",
    volumes: [{ target: "/data", scope: "stage", source: "data" }],
    labels: { team: "a" },
    ...overrides,
  };
}

const deployed = config();
const applied = { appliedConfig: appliedConfigOf(deployed) };
const changesFor = (saved: WorkloadConfig, admin = true) => pendingState(applied, saved, true, secrets, admin).pendingChanges;

describe("pending changes: what was saved since the deploy", () => {
  it("is null when the saved settings are the ones deployed, whatever the order of sets", () => {
    expect(changesFor(config())).toBeNull();
    const reordered = config({ env: [...deployed.env].reverse(), labels: { team: "a" } });
    expect(changesFor(reordered)).toBeNull();
  });

  it("tells a never-deployed workload from an unknown one deployed by an older version", () => {
    expect(pendingState({ appliedConfig: null }, config(), false, secrets, true)).toEqual({ pendingChanges: null, neverDeployed: true });
    expect(pendingState({ appliedConfig: null }, config(), true, secrets, true)).toEqual({ pendingChanges: null, neverDeployed: false });
    expect(pendingState({ appliedConfig: "{not json" }, config(), true, secrets, true)).toEqual({
      pendingChanges: null,
      neverDeployed: false,
    });
    expect(parseAppliedConfig(applied.appliedConfig)?.image).toBe("busybox:1");
  });

  it("lists each field's change with before and after", () => {
    const saved = config({
      image: "busybox:2",
      command: [],
      ports: [
        { hostPort: 8080, containerPort: 81, protocol: "tcp" },
        { hostPort: 53, containerPort: 53, protocol: "udp" },
      ],
      restartPolicy: "always",
      volumes: [
        { target: "/data", scope: "project", source: "data", readOnly: true },
        { target: "/new", scope: "named", source: "vol" },
      ],
      labels: { owner: "b" },
    });
    expect(changesFor(saved)).toEqual([
      { field: "image", change: "changed", before: "busybox:1", after: "busybox:2" },
      { field: "command", change: "changed", before: ["sh", "-c", "sleep 1"], after: [] },
      { field: "ports", key: "8080/tcp", change: "changed", before: "8080 → 80/tcp", after: "8080 → 81/tcp" },
      { field: "ports", key: "53/udp", change: "added", after: "53 → 53/udp" },
      { field: "restartPolicy", change: "changed", before: "unless-stopped", after: "always" },
      { field: "volumes", key: "/data", change: "changed", before: "stage:data", after: "project:data:ro" },
      { field: "volumes", key: "/new", change: "added", after: "named:vol" },
      { field: "labels", key: "team", change: "removed", before: "a" },
      { field: "labels", key: "owner", change: "added", after: "b" },
    ]);
  });

  it("shows env values to admins per key: added, removed, changed", () => {
    const saved = config({
      env: [{ key: "PLAIN", value: "two", secret: false }, deployed.env[1]!, { key: "NEW", value: "x", secret: false }],
    });
    expect(changesFor(saved)).toEqual([
      { field: "env", key: "PLAIN", change: "changed", before: "one", after: "two" },
      { field: "env", key: "NEW", change: "added", after: "x" },
    ]);
    expect(changesFor(config({ env: [deployed.env[1]!] }))).toEqual([{ field: "env", key: "PLAIN", change: "removed", before: "one" }]);
  });

  it("never shows a secret's value, not even to an admin: only that it changed", () => {
    const saved = config({ env: [deployed.env[0]!, sealEnvVar({ key: "TOKEN", value: "new-secret", secret: true }, secrets)] });
    const changes = changesFor(saved);
    expect(changes).toEqual([{ field: "env", key: "TOKEN", change: "changed" }]);
    const text = JSON.stringify(changes);
    expect(text).not.toContain("new-secret");
    expect(text).not.toContain("hunter2");
    // A plain variable made secret hides its old value too.
    const madeSecret = changesFor(config({ env: [sealEnvVar({ key: "PLAIN", value: "one", secret: true }, secrets), deployed.env[1]!] }));
    expect(madeSecret).toEqual([{ field: "env", key: "PLAIN", change: "changed" }]);
  });

  it("does not count a secret sealed again with the same value as a change", () => {
    const resealed = sealEnvVar({ key: "TOKEN", value: "hunter2", secret: true }, secrets);
    expect(resealed.sealed).not.toBe(deployed.env[1]!.sealed);
    expect(changesFor(config({ env: [deployed.env[0]!, resealed] }))).toBeNull();
  });

  it("counts a secret this key cannot open as changed, unless its sealed string is the one deployed", () => {
    const other = createSecretBox(randomBytes(32));
    const foreign = sealEnvVar({ key: "TOKEN", value: "hunter2", secret: true }, other);
    expect(changesFor(config({ env: [deployed.env[0]!, foreign] }))).toEqual([{ field: "env", key: "TOKEN", change: "changed" }]);
  });

  it("shows viewers which env keys changed, never a value", () => {
    const saved = config({
      env: [
        { key: "PLAIN", value: "two", secret: false },
        { key: "NEW", value: "x", secret: false },
      ],
    });
    const changes = changesFor(saved, false);
    expect(changes).toEqual([
      { field: "env", key: "PLAIN", change: "changed" },
      { field: "env", key: "TOKEN", change: "removed" },
      { field: "env", key: "NEW", change: "added" },
    ]);
    expect(JSON.stringify(changes)).not.toMatch(/one|two|"x"/);
  });
});
