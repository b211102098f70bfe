// Logs and container stats (issue 17, items 7 and 8) in a real browser against a production
// build and the private Docker engine. A workload prints a few lines (stdout and stderr), then
// prints whatever the test drops into its /data folder. On its page: every line shows its
// time; the search filters the lines, marks the matches and counts them; Follow shows a line
// written after it was turned on; Download saves the log with its lines; the Container card
// shows CPU, memory, restarts and uptime; the dashboard row shows them too. Desktop and
// 390 px without horizontal scroll, and in Russian.
import fs from "node:fs/promises";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type AppServer, startAppServer } from "../support/app-server";
import { newContext, launchBrowser, newEnglishPage, screenshot, signIn } from "../support/browser";
import { createApiToken, trpcHttp } from "../support/trpc-http";

let app: AppServer;
let browser: Browser;
let api: ReturnType<typeof trpcHttp>;
let workloadId: string;
let sayFolder: string;

const PROJECT = "logs-stats-ui";
const NAME = "logs-stats-ui-app";
// The first lines, then: whatever appears in /data/say is printed and removed.
const SCRIPT = [
  "trap 'exit 0' TERM",
  "echo 'alpha one'",
  "echo 'beta two'",
  "echo 'gamma ALPHA three'",
  "echo 'delta warning' >&2",
  "while :; do if [ -f /data/say ]; then cat /data/say; rm /data/say; fi; sleep 0.3; done",
].join("; ");

beforeAll(async () => {
  [app, browser] = await Promise.all([startAppServer(), launchBrowser()]);
  api = trpcHttp(app.url, createApiToken(app.dataDir, "admin"));
  const project = await api.mutate<{ id: string }>("project.create", { slug: PROJECT });
  const stage = await api.mutate<{ id: string }>("stage.create", { projectId: project.id, slug: "production" });
  ({ id: workloadId } = await api.mutate<{ id: string }>("workload.create", {
    projectId: project.id,
    stageId: stage.id,
    name: NAME,
    image: inject("testImage"),
    command: ["sh", "-c", SCRIPT],
    volumes: [{ target: "/data", scope: "stage", source: "data" }],
  }));
  await api.mutate("workload.deploy", { id: workloadId });
  sayFolder = path.join(app.dataDir, "volumes", "projects", PROJECT, "stages", "production", "data");
  // Until the first four lines are out (expect.poll works only inside a test).
  for (let i = 0; i < 300 && (await api.query<unknown[]>("workload.logs", { id: workloadId })).length < 4; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

afterAll(async () => {
  if (process.env.BERTH_TEST_VERBOSE) console.error(app?.logs());
  await browser?.close();
  await app?.stop();
});

const noSideScroll = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

describe("logs and container stats", () => {
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    ({ context, page } = await newEnglishPage(browser, app.url, errors));
    await signIn(page, app.admin.email, app.admin.password);
  });
  afterAll(() => context?.close());

  const logsPanel = () => page.getByRole("region", { name: "Logs", exact: true });
  const lines = () => logsPanel().getByTestId("log-line");

  it("shows every line with its time, stderr marked", async () => {
    await page.goto(`/workloads/${workloadId}`);
    await lines().nth(3).waitFor();
    expect(await lines().count()).toBe(4);
    const first = lines().first();
    expect(await first.locator("time").getAttribute("datetime")).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/);
    // Today's lines show the time of day in the reader's format, e.g. 10:04:05 AM.
    expect(await first.locator("time").textContent()).toMatch(/\d{1,2}:\d{2}:\d{2}/);
    // Docker copies stdout and stderr apart: the stderr line may land anywhere among the others.
    const texts = await lines().evaluateAll((rows) => rows.map((row) => row.querySelector(":scope > span")?.textContent ?? ""));
    expect(texts.filter((text) => !text.includes("delta warning"))).toEqual(["alpha one", "beta two", "gamma ALPHA three"]);
    expect(await logsPanel().locator('[data-stream="stderr"]').textContent()).toContain("delta warning");
    await screenshot(page, "logs-stats-ui-logs");
  });

  it("search filters the shown lines, case-insensitively, marks the matches and counts them", async () => {
    const search = logsPanel().getByLabel("Search the shown lines");
    await search.fill("alpha");
    await expect.poll(() => lines().count()).toBe(2);
    expect(await logsPanel().getByTestId("logs-match-count").textContent()).toBe("2 of 4");
    expect(await logsPanel().locator("mark").allTextContents()).toEqual(["alpha", "ALPHA"]);
    await search.fill("nothing like this");
    await logsPanel().getByText("No shown line matches.").waitFor();
    await search.fill("");
    await expect.poll(() => lines().count()).toBe(4);
  });

  it("follows from the start: a line written later shows at the bottom; Follow turns it off", async () => {
    const follow = logsPanel().getByRole("button", { name: "Follow" });
    expect(await follow.getAttribute("aria-pressed")).toBe("true");
    await fs.writeFile(path.join(sayFolder, "say"), "epsilon after follow\n");
    await logsPanel().getByText("epsilon after follow").waitFor({ timeout: 20_000 });
    expect(await lines().last().textContent()).toContain("epsilon after follow");
    expect(await lines().count()).toBe(5);
    await follow.click();
    expect(await follow.getAttribute("aria-pressed")).toBe("false");
  });

  it("download saves the log with every line and its time", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), logsPanel().getByRole("link", { name: "Download" }).click()]);
    expect(download.suggestedFilename()).toBe(`${PROJECT}-production-${NAME}.log`);
    const text = await fs.readFile((await download.path())!, "utf8");
    const saved = text.trimEnd().split("\n");
    const savedTexts = saved.map((line) => line.replace(/^\S+Z /, ""));
    // stdout in its order; the stderr line wherever Docker stored it.
    expect(savedTexts.filter((text) => text !== "delta warning")).toEqual([
      "alpha one",
      "beta two",
      "gamma ALPHA three",
      "epsilon after follow",
    ]);
    expect(savedTexts.filter((text) => text === "delta warning")).toHaveLength(1);
    for (const line of saved) expect(line).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z /);
  });

  it("the Container card shows CPU, memory, restarts and uptime", async () => {
    const card = page.getByTestId("container-stats");
    await card
      .getByTestId("stats-uptime")
      .getByText(/^up \d/)
      .waitFor({ timeout: 20_000 });
    expect(await card.getByTestId("stats-cpu").textContent()).toMatch(/^\d+(\.\d)?%$/);
    expect(await card.getByTestId("stats-memory").textContent()).toMatch(/^[\d.,]+ [kMG]?B of [\d.,]+ [kMGT]?B$/);
    expect(await card.getByTestId("stats-restarts").textContent()).toBe("0");
    await screenshot(page, "logs-stats-ui-card");
  });

  it("the dashboard row shows the container's figures", async () => {
    await page.goto("/");
    const cell = page.getByTestId(`dashboard-row-${workloadId}`).getByTestId("dashboard-container");
    await cell.getByText(/^up \d/).waitFor({ timeout: 20_000 });
    const text = (await cell.textContent()) ?? "";
    expect(text).toMatch(/CPU \d/);
    expect(text).toMatch(/Mem [\d.,]+ [kMG]?B/);
    expect(text).toContain("0 restarts");
    await screenshot(page, "logs-stats-ui-dashboard");
  });

  it("fits at desktop width and at 390 px without scrolling sideways", async () => {
    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      await page.setViewportSize(viewport);
      for (const url of [`/workloads/${workloadId}`, "/"]) {
        await page.goto(url);
        await (url === "/" ? page.getByTestId("dashboard-container").first() : lines().first()).waitFor();
        expect(await noSideScroll(page), `${url} at ${viewport.width}px`).toBe(true);
      }
      await screenshot(page, `logs-stats-ui-${viewport.width}`);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(errors).toEqual([]);
  });
});

describe("in Russian", () => {
  it("the logs panel, its controls and the Container card speak Russian", async () => {
    const context = await newContext(browser, app.url);
    // Signed in with the English form, then switched to Russian.
    await context.addCookies([{ name: "berth-locale", value: "en", url: app.url }]);
    const page = await context.newPage();
    await signIn(page, app.admin.email, app.admin.password);
    await context.addCookies([{ name: "berth-locale", value: "ru", url: app.url }]);
    await page.goto(`/workloads/${workloadId}`);
    const panel = page.getByRole("region", { name: "Журнал", exact: true });
    await panel.getByTestId("log-line").first().waitFor();
    await panel.getByRole("button", { name: "Следить" }).waitFor();
    await panel.getByRole("link", { name: "Скачать" }).waitFor();
    await panel.getByLabel("Поиск по показанным строкам").fill("alpha");
    expect(await panel.getByTestId("logs-match-count").textContent()).toBe("2 из 5");
    const card = page.getByTestId("container-stats");
    await card.getByText("Контейнер", { exact: true }).waitFor();
    await card
      .getByTestId("stats-uptime")
      .getByText(/^работает \d/)
      .waitFor({ timeout: 20_000 });
    await card.getByText("Процессор", { exact: true }).waitFor();
    await screenshot(page, "logs-stats-ui-ru");
    await context.close();
  });
});

describe("following a burst", () => {
  it("a poll that comes back full says some lines were skipped, at desktop width and at 390 px", async () => {
    const errors: string[] = [];
    const { context, page } = await newEnglishPage(browser, app.url, errors);
    await signIn(page, app.admin.email, app.admin.password);
    await page.goto(`/workloads/${workloadId}`);
    const panel = page.getByRole("region", { name: "Logs", exact: true });
    await panel.getByTestId("log-line").first().waitFor();
    expect(await panel.getByRole("button", { name: "Follow" }).getAttribute("aria-pressed")).toBe("true");
    expect(await panel.getByTestId("logs-skipped").count()).toBe(0);
    // Far more than one poll reads (2000 lines), written at once between two polls.
    const burst = Array.from({ length: 5000 }, (_, i) => `burst ${i}`).join("\n");
    await fs.writeFile(path.join(sayFolder, "say"), `${burst}\n`);
    const notice = panel.getByTestId("logs-skipped");
    await notice.waitFor({ timeout: 20_000 });
    expect(await notice.textContent()).toContain("Some lines were skipped");
    await panel.getByText("burst 4999", { exact: true }).waitFor();
    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      await page.setViewportSize(viewport);
      expect(await noSideScroll(page), `${viewport.width}px`).toBe(true);
      await screenshot(page, `logs-stats-ui-skipped-${viewport.width}`);
    }
    expect(errors).toEqual([]);
    await context.close();
  });
});
