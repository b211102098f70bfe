import { spawnSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, expect, inject, it } from "vitest";
import { type AppServer, startAppServer } from "../support/app-server";
import { hashTree } from "../support/hash-tree";
import { createApiToken, trpcHttp } from "../support/trpc-http";

// A restore killed halfway through, then `npm start`: the server must put the data back
// before it answers its first request.
const root = path.resolve(import.meta.dirname, "../..");
let app: AppServer | undefined;
afterAll(async () => {
  await app?.stop();
});

it("rolls back a restore killed mid-swap while booting, before serving, and records it", async () => {
  app = await startAppServer();
  const api = trpcHttp(app.url, createApiToken(app.dataDir, "admin"));
  const project = await api.mutate<{ id: string }>("project.create", { slug: "boot" });
  const stage = await api.mutate<{ id: string }>("stage.create", { projectId: project.id, slug: "production" });
  const { id: workloadId } = await api.mutate<{ id: string }>("workload.create", {
    projectId: project.id,
    stageId: stage.id,
    name: "db",
    image: inject("testImage"),
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"],
    volumes: [
      { target: "/a", scope: "stage", source: "a" },
      { target: "/b", scope: "stage", source: "b" },
    ],
  });
  await api.mutate("workload.deploy", { id: workloadId });
  const dirs = ["a", "b"].map((v) => path.join(app!.dataDir, "volumes/projects/boot/stages/production", v));
  for (const d of dirs) await fs.writeFile(path.join(d, "state.txt"), "snapshot");
  const snapshot = await api.mutate<{ id: string }>("snapshot.create", { workloadId });
  for (const d of dirs) await fs.writeFile(path.join(d, "state.txt"), "current");
  const current = await Promise.all(dirs.map((d) => hashTree(d)));

  // The server stops; a restore (in its own process, on the same data) dies after swapping /a only.
  const dataDir = app.dataDir;
  await app.stop({ keepData: true });
  app = undefined;
  const killed = spawnSync(
    process.execPath,
    ["--import", "tsx", path.join(root, "test/support/restore-child.ts"), "restore", workloadId, snapshot.id],
    {
      cwd: root,
      env: {
        ...process.env,
        BERTH_DATA_DIR: dataDir,
        DATABASE_URL: "",
        DOCKER_HOST: inject("dockerHost"),
        BERTH_CRASH_AT: "swap-0-after-live",
      },
      encoding: "utf8",
    },
  );
  expect(killed.signal, killed.stderr).toBe("SIGKILL");
  expect(await fs.readFile(path.join(dirs[0]!, "state.txt"), "utf8")).toBe("snapshot"); // really half-swapped

  app = await startAppServer({}, { dataDir });
  const logs = app.logs();
  expect(logs.split("recovered an interrupted restore").length, logs).toBe(2); // once, not per hook
  expect(logs.indexOf("recovered an interrupted restore")).toBeLessThan(logs.indexOf("listening on"));
  expect(await Promise.all(dirs.map((d) => hashTree(d)))).toEqual(current);
  const api2 = trpcHttp(app.url, createApiToken(dataDir, "viewer", "after-boot"));
  const runs = await api2.query<{ outcome: string; snapshotId: string }[]>("snapshot.restoreRuns", { workloadId });
  expect(runs).toMatchObject([{ outcome: "rolled-back-at-boot", snapshotId: snapshot.id }]);
  const workload = await api2.query<{ status: { state: string } }>("workload.get", { id: workloadId });
  expect(workload.status.state).toBe("running");
  // With the server up, the CLI must not touch journals a live restore may own.
  const cli = spawnSync(path.join(root, "bin/berth.mjs"), ["recover"], {
    env: { ...process.env, BERTH_DATA_DIR: dataDir, DATABASE_URL: "" },
    encoding: "utf8",
  });
  expect([cli.status, cli.stderr]).toEqual([
    1,
    expect.stringMatching(/another Berth process \(pid \d+\), the server or `berth recover`, is using this data dir/),
  ]);
  const leftovers = (await fs.readdir(path.dirname(dirs[0]!))).filter((n) => n.startsWith(".berth-"));
  expect(leftovers).toEqual([]);
});
