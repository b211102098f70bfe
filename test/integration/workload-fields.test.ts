// Saving a workload reports every field at fault in one error (real SQLite, the real engine's
// deps; saving needs no container), host ports other workloads publish included, and the API
// sends the issues to the client beside the first one's reason.
import { TRPCError } from "@trpc/server";
import { getErrorShape } from "@trpc/server/unstable-core-do-not-import";
import { describe, expect, it } from "vitest";
import { appRouter } from "~/server/api/root";
import { db } from "~/server/db";
import { engineDeps } from "~/server/engine-deps";
import { DomainError } from "~/server/engine/errors";
import { createWorkload, getWorkload, updateWorkload } from "~/server/engine/workloads/workloads";
import { callerFor, createIdentities } from "../support/identities";
import { makeStage, makeWorkload, testActor } from "../support/workload-fixtures";

const refusal = async (call: Promise<unknown>) => {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
};
const port = (hostPort: number, protocol: "tcp" | "udp" = "tcp") => ({ hostPort, containerPort: 80, protocol });

describe("saving a workload", () => {
  it("refuses a '..' source, a duplicate port and a bad env name in one error, and stores nothing", async () => {
    const w = await makeWorkload({ name: "fields", volumes: [{ target: "/data", scope: "stage", source: "data" }] });
    const error = await refusal(
      updateWorkload(engineDeps, testActor, {
        ...w,
        id: w.id,
        redeploy: false,
        env: [
          { key: "GOOD", value: "1", secret: false },
          { key: "1bad", value: "2", secret: false },
        ],
        ports: [port(18_080), port(18_080)],
        volumes: [{ target: "/data", scope: "stage", source: "../etc" }],
      }),
    );
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.reason).toBe("invalid-fields");
    expect(error.params).toEqual({ count: 3 });
    expect(error.fieldIssues).toEqual([
      { path: "env.1.key", reason: "env-key-invalid", params: { key: "1bad" } },
      { path: "ports.1.hostPort", reason: "host-port-duplicate", params: { port: "18080/tcp" } },
      { path: "volumes.0.source", reason: "volume-problem", params: { target: "/data", problem: "sourceDotDot" } },
    ]);
    expect(error.message).toMatch(/^Environment variable name "1bad" is not valid.*\(and 2 more problems\)$/);
    const stored = await getWorkload(engineDeps, testActor, w.id);
    expect(stored.env).toEqual([]);
    expect(stored.ports).toEqual([]);
    expect(stored.volumes).toEqual([{ target: "/data", scope: "stage", source: "data" }]);
  });

  it("sends the issues to API clients, with the first one's reason and params", async () => {
    const ids = await createIdentities(engineDeps);
    const w = await makeWorkload({ name: "api" });
    const input = { ...w, id: w.id, redeploy: false, image: "", volumes: [{ target: "/x", scope: "project" as const, source: "/etc" }] };
    const error = await (await callerFor(ids.headers.admin)).workload.update(input).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TRPCError);
    const shape = getErrorShape({
      config: appRouter._def._config,
      error: error as TRPCError,
      type: "mutation",
      path: "workload.update",
      input,
      ctx: undefined,
    });
    expect(shape.data).toMatchObject({
      code: "BAD_REQUEST",
      reason: "image-required",
      params: {},
      fieldIssues: [
        { path: "image", reason: "image-required", params: {} },
        { path: "volumes.0.source", reason: "volume-problem", params: { target: "/x", problem: "sourceAbsolute" } },
      ],
    });
    expect(shape.message).toBe("image is required (and 1 more problem)");
  });

  it("refuses a host port another workload's saved config publishes, at update and at create, until it is freed", async () => {
    const first = await makeWorkload({ name: "holder", ports: [port(18_443), port(18_053, "udp")] });
    const holder = `${first.projectSlug}/production/holder`;
    const second = await makeWorkload({ name: "other", ports: [port(18_444)] });

    const taken = await refusal(
      updateWorkload(engineDeps, testActor, { ...second, id: second.id, redeploy: false, ports: [port(18_053), port(18_443)] }),
    );
    expect(taken.fieldIssues).toEqual([
      { path: "ports.1.hostPort", reason: "host-port-taken", params: { port: "18443/tcp", workload: holder } },
    ]);
    expect(taken.message).toBe(`Host port 18443/tcp is already published by workload ${holder}`);

    const { project, stage } = await makeStage();
    const before = await db.workload.count();
    const atCreate = await refusal(
      createWorkload(engineDeps, testActor, {
        projectId: project.id,
        stageId: stage.id,
        name: "late",
        image: second.image,
        command: [],
        env: [],
        ports: [port(18_053, "udp")],
        restartPolicy: "no",
        volumes: [],
        labels: {},
      }),
    );
    expect(atCreate.fieldIssues).toEqual([
      { path: "ports.0.hostPort", reason: "host-port-taken", params: { port: "18053/udp", workload: holder } },
    ]);
    expect(await db.workload.count()).toBe(before);

    // The holder lets 18443 go: the other workload may take it now; its own port stays its own.
    await updateWorkload(engineDeps, testActor, { ...first, id: first.id, redeploy: false, ports: [port(18_053, "udp")] });
    const moved = await updateWorkload(engineDeps, testActor, {
      ...second,
      id: second.id,
      redeploy: false,
      ports: [port(18_444), port(18_443)],
    });
    expect(moved.ports.map((p) => p.hostPort)).toEqual([18_444, 18_443]);
  });

  it("judges a malformed name in the same round as the other fields through the API (not zod first, alone)", async () => {
    const ids = await createIdentities(engineDeps);
    const w = await makeWorkload({ name: "api-name" });
    const error = await (await callerFor(ids.headers.admin)).workload
      .create({ projectId: w.projectId, stageId: w.stageId, name: "Web App", image: "", volumes: [] })
      .then(
        () => null,
        (e: unknown) => e as TRPCError,
      );
    expect((error?.cause as DomainError | undefined)?.fieldIssues?.map((i) => i.path)).toEqual(["name", "image"]);
  });

  it("reports a taken name with the other fields", async () => {
    const w = await makeWorkload({ name: "twice" });
    const error = await refusal(
      createWorkload(engineDeps, testActor, {
        projectId: w.projectId,
        stageId: w.stageId,
        name: "twice",
        image: "busybox latest",
        command: [],
        env: [],
        ports: [],
        restartPolicy: "no",
        volumes: [],
        labels: {},
      }),
    );
    expect(error.fieldIssues?.map((i) => [i.path, i.reason])).toEqual([
      ["name", "workload-exists"],
      ["image", "image-spaces"],
    ]);
  });
});
