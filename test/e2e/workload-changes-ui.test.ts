// Saved-but-not-applied and deploy failures in a real browser: a save without a redeploy shows
// the banner with the diff and the list's badge until Redeploy applies it; a host port held by
// another container fails the deploy with a clear reason (in a full-width alert), and after a
// reload the status area and the events card still say why. Desktop and 390 px, English and Russian.
import type Docker from "dockerode";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDockerClient } from "~/server/docker/client";
import { type AppServer, freePort, startAppServer } from "../support/app-server";
import { expectNoSidewaysScroll, launchBrowser, newEnglishPage, screenshot, sidewaysOverflow, signIn } from "../support/browser";
import { createApiToken, trpcHttp } from "../support/trpc-http";

const PREFIX = "workload-changes-ui";
const NETWORK = `${PREFIX}-net-${process.pid}`;
const HOLDER = `${PREFIX}-holder-${process.pid}`;
const NAME = "wcuapp";

let app: AppServer;
let browser: Browser;
let docker: Docker;
let api: ReturnType<typeof trpcHttp>;
let hostPort = 0;

beforeAll(async () => {
  docker = createDockerClient(inject("dockerHost"));
  // The test engine's "none" network publishes no port; a bridge of its own (inside the engine's
  // private network namespace) does, so a port can be taken.
  await docker.createNetwork({ Name: NETWORK, Driver: "bridge" });
  hostPort = await freePort();
  // Not a Berth workload: the save-time check cannot see it, only the deploy meets it.
  const holder = await docker.createContainer({
    name: HOLDER,
    Image: inject("testImage"),
    Cmd: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"],
    ExposedPorts: { "80/tcp": {} },
    HostConfig: { NetworkMode: NETWORK, PortBindings: { "80/tcp": [{ HostPort: String(hostPort) }] } },
  });
  await holder.start();
  [app, browser] = await Promise.all([startAppServer({ BERTH_DOCKER_NETWORK: NETWORK }), launchBrowser()]);
  api = trpcHttp(app.url, createApiToken(app.dataDir, "admin"));
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await docker
    ?.getContainer(HOLDER)
    .remove({ force: true })
    .catch(() => {});
  const leftovers = await docker?.listContainers({ all: true, filters: { name: [`berth_${PREFIX}`] } });
  for (const c of leftovers ?? []) await docker.getContainer(c.Id).remove({ force: true });
  await docker
    ?.getNetwork(NETWORK)
    .remove()
    .catch(() => {});
});

describe("workload changes UI", () => {
  let context: BrowserContext;
  let page: Page;
  let id = "";
  const errors: string[] = [];
  const settings = {
    image: "",
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"],
    env: [{ key: "GREETING", value: "hello", secret: false }],
    ports: [] as { hostPort: number; containerPort: number; protocol: "tcp" }[],
    restartPolicy: "no",
    volumes: [],
    labels: {},
  };

  beforeAll(async () => {
    settings.image = inject("testImage");
    const project = await api.mutate<{ id: string }>("project.create", { slug: PREFIX });
    const stage = await api.mutate<{ id: string }>("stage.create", { projectId: project.id, slug: "production" });
    id = (await api.mutate<{ id: string }>("workload.create", { projectId: project.id, stageId: stage.id, name: NAME, ...settings })).id;
    await api.mutate("workload.deploy", { id });
    ({ context, page } = await newEnglishPage(browser, app.url, errors));
    await signIn(page, app.admin.email, app.admin.password);
  });
  afterAll(() => context?.close());

  it("shows saved changes as not applied, with the diff and a list badge, until Redeploy", async () => {
    await api.mutate("workload.update", { id, ...settings, env: [{ key: "GREETING", value: "bonjour", secret: false }], redeploy: false });
    await page.goto(`/workloads/${id}`);
    const banner = page.getByTestId("pending-changes");
    await expect.poll(() => banner.isVisible()).toBe(true);
    expect(await banner.textContent()).toContain("Saved changes are not applied yet");
    expect(await banner.textContent()).toMatch(/Environment variable\s*GREETING:\s*hello → bonjour/);
    await expectNoSidewaysScroll(page, page.url());
    await screenshot(page, `${PREFIX}-banner`);

    await page.goto("/workloads");
    const row = page.getByRole("row").filter({ hasText: NAME });
    await expect.poll(() => row.getByText("not applied").isVisible()).toBe(true);
    await expectNoSidewaysScroll(page, page.url());

    await page.goto(`/workloads/${id}`);
    await banner.getByRole("button", { name: "Redeploy" }).click();
    await expect.poll(() => banner.count(), { timeout: 30_000 }).toBe(0);
    await page.goto("/workloads");
    await expect.poll(() => row.getByText("not applied").count()).toBe(0);
  });

  it("says clearly why a deploy failed, in a full-width alert, and still after a reload", async () => {
    await api.mutate("workload.update", {
      id,
      ...settings,
      env: [{ key: "GREETING", value: "bonjour", secret: false }],
      ports: [{ hostPort, containerPort: 80, protocol: "tcp" }],
      redeploy: false,
    });
    await page.goto(`/workloads/${id}`);
    await page.getByRole("button", { name: `Redeploy ${NAME}` }).click();
    const alert = page.getByTestId("action-error");
    await expect.poll(() => alert.isVisible(), { timeout: 30_000 }).toBe(true);
    const text = (await alert.textContent()) ?? "";
    expect(text).toContain(`Host port ${hostPort} is already in use`);
    expect(text).not.toMatch(/[0-9a-f]{64}|driver failed|endpoint/i);
    // Under the buttons and as wide as their row, not a narrow column beside them.
    const [alertBox, buttonBox] = await Promise.all([
      alert.boundingBox(),
      page.getByRole("button", { name: `Redeploy ${NAME}` }).boundingBox(),
    ]);
    expect(alertBox!.y).toBeGreaterThan(buttonBox!.y + buttonBox!.height - 1);
    expect(alertBox!.width).toBeGreaterThan(buttonBox!.width * 2);
    await screenshot(page, `${PREFIX}-deploy-failed`);
    // Docker made the new container before its start failed: it holds what was saved, so no banner.
    await expect.poll(() => page.getByTestId("pending-changes").count()).toBe(0);

    await page.reload();
    const status = page.getByTestId("last-deploy-failure");
    await expect.poll(() => status.textContent()).toContain(`The last deploy failed: Host port ${hostPort} is already in use`);
    const events = page.getByTestId("workload-events");
    await expect.poll(() => events.textContent()).toContain(`Host port ${hostPort} is already in use`);
    expect(await events.textContent()).toMatch(/Deploy\s*failed/);
    await expectNoSidewaysScroll(page, page.url());

    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of [`/workloads/${id}`, "/workloads"]) {
      await page.goto(path);
      await page.getByRole("main").waitFor();
      await expect.poll(() => sidewaysOverflow(page), { message: path }).toBe(0);
    }
    await page.goto(`/workloads/${id}`);
    await status.waitFor();
    await screenshot(page, `${PREFIX}-mobile`);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it("speaks Russian", async () => {
    // The failed deploy's container holds the saved settings (nothing waits); one more save does.
    await api.mutate("workload.update", {
      id,
      ...settings,
      env: [{ key: "GREETING", value: "privet", secret: false }],
      ports: [{ hostPort, containerPort: 80, protocol: "tcp" }],
      redeploy: false,
    });
    await context.addCookies([{ name: "berth-locale", value: "ru", url: app.url }]);
    await page.goto(`/workloads/${id}`);
    await expect
      .poll(() => page.getByTestId("last-deploy-failure").textContent())
      .toContain(`Последнее развёртывание не удалось: Порт хоста ${hostPort} уже занят`);
    expect(await page.getByTestId("pending-changes").textContent()).toContain("Сохранённые изменения ещё не применены");
    expect(await page.getByTestId("workload-events").textContent()).toContain("Развёртывание");
    await screenshot(page, `${PREFIX}-ru`);
    expect(errors).toEqual([]);
  });
});
