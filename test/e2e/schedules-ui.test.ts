// Schedules and the dashboard in a real browser against a production build and the private
// Docker engine. A workload with a stage folder is made through the API; then, as the admin:
// the dashboard (the new home page) shows it red (no snapshot); on its page a daily schedule
// is added through the dialog (a refused cron expression first, the live preview of the next
// runs in the chosen zone), and the row shows the next run the server computed; Run now
// takes a scheduled snapshot, and a dashboard already open in another tab turns green by
// itself; the new snapshot is pinned from the snapshots panel; pause and resume. A viewer
// sees the dashboard and the schedule without any action button, and the dashboard is in Russian.
import fs from "node:fs/promises";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { nextDueTimes } from "~/shared/schedules";
import { type AppServer, startAppServer } from "../support/app-server";
import { launchBrowser, newContext, newEnglishPage, screenshot, signIn } from "../support/browser";
import { createApiToken, createDataWorkload, trpcHttp } from "../support/trpc-http";

let app: AppServer;
let browser: Browser;
let api: ReturnType<typeof trpcHttp>;
let workloadId: string;

const PROJECT = "ledger";
const NAME = "books";
const ZONE = "Europe/Berlin";
const VIEWER = { email: "viewer@berth.test", password: "viewer-password-1" };
// A run is queued at once, captures a tiny folder and the lists re-read every 10 s.
const RUN_TIMEOUT_MS = 60_000;

type ScheduleRow = { id: string; cron: string; timezone: string; enabled: boolean; nextRunAt: string | null };
type SnapshotRow = { id: string; kind: string; pinned: boolean };

beforeAll(async () => {
  [app, browser] = await Promise.all([startAppServer(), launchBrowser()]);
  api = trpcHttp(app.url, createApiToken(app.dataDir, "admin"));
  workloadId = await createDataWorkload(api.mutate, { project: PROJECT, name: NAME, source: "data", image: inject("testImage") });
  await api.mutate("workload.deploy", { id: workloadId });
  const folder = path.join(app.dataDir, "volumes", "projects", PROJECT, "stages", "production", "data");
  await fs.mkdir(folder, { recursive: true });
  await fs.writeFile(path.join(folder, "ledger.txt"), "balance: 42\n");
  await api.mutate("user.create", { ...VIEWER, role: "VIEWER" });
});

afterAll(async () => {
  if (process.env.BERTH_TEST_VERBOSE) console.error(app?.logs());
  await browser?.close();
  await app?.stop();
});

describe("schedules and the dashboard", () => {
  let context: BrowserContext;
  let page: Page;
  const browserErrors: string[] = [];
  const dashboardRow = (p: Page) => p.getByTestId(`dashboard-row-${workloadId}`);
  const panel = () => page.getByTestId("schedules-panel");
  const schedules = () => api.query<ScheduleRow[]>("schedule.list", { workloadId });

  beforeAll(async () => {
    ({ context, page } = await newEnglishPage(browser, app.url, browserErrors));
  });
  afterAll(() => context?.close());

  it("lands on the dashboard after signing in: the workload is red, with no snapshot", async () => {
    await signIn(page, app.admin.email, app.admin.password);
    await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
    const nav = page.getByRole("navigation", { name: "Main" });
    expect(await nav.getByRole("link", { name: "Dashboard" }).getAttribute("aria-current")).toBe("page");
    expect(await nav.getByRole("link", { name: "Workloads" }).getAttribute("aria-current")).toBeNull();

    const row = dashboardRow(page);
    await row.waitFor();
    expect(await row.getAttribute("data-safety")).toBe("none");
    await row.getByText("No snapshot", { exact: true }).waitFor();
    await row.getByText(`${PROJECT} / production`).waitFor();
    await row.getByText("Not scheduled").waitFor();
    await row.getByText("0 snapshots", { exact: false }).waitFor();
    // No schedule yet: nothing to run.
    expect(await row.getByRole("button").count()).toBe(0);
    await page.getByTestId("dashboard-summary").getByText("1 without a snapshot").waitFor();
    expect(await page.getByTestId("dashboard-disk").textContent()).toMatch(/^Snapshot disk( nearly full)?: .+ free of .+$/);
    await page.getByTestId("dashboard-failures").getByText("No failures in the last 7 days.").waitFor();
    await screenshot(page, "schedules-01-dashboard-red");
  });

  it("adds a daily schedule: a refused expression, the live preview in its zone, then the next run the server computed", async () => {
    await dashboardRow(page).getByRole("link", { name: NAME }).click();
    await page.waitForURL(`**/workloads/${workloadId}`);
    await panel().getByText("No schedule: snapshots of this workload are taken only by hand.").waitFor();
    await page.getByTestId("add-schedule").click();
    const dialog = page.getByRole("dialog", { name: "Add a schedule" });
    await dialog.getByText("Keeps the last 7, 4 weekly and 6 monthly unless you change the retention policy below.").waitFor();

    // A custom expression the server would refuse: the reason shows, and the dialog cannot be sent.
    await dialog.getByLabel("Repeat").selectOption("custom");
    await dialog.getByLabel("Cron expression").fill("61 * * * *");
    await dialog.getByText("This cron expression is not valid.").waitFor();
    await dialog.getByLabel("Cron expression").fill("0 3 * *");
    await dialog.getByText("A schedule needs five fields: minute, hour, day of month, month, day of week.").waitFor();
    expect(await dialog.getByRole("button", { name: "Add schedule" }).isDisabled()).toBe(true);

    await dialog.getByLabel("Repeat").selectOption("daily");
    await dialog.getByLabel("Hour").fill("3");
    await dialog.getByLabel("Minute").fill("15");
    await dialog.getByLabel("Time zone").fill("Mars/Olympus");
    await dialog.getByText("Unknown time zone: Mars/Olympus.").waitFor();
    await dialog.getByLabel("Time zone").fill(ZONE);
    await dialog.getByText(`Next runs (${ZONE})`).waitFor();
    const preview = dialog.getByTestId("schedule-preview-times").locator("time");
    expect(await preview.count()).toBe(3);
    const expected = nextDueTimes("15 3 * * *", ZONE, new Date(), 3).map((d) => d.toISOString());
    expect(await preview.evaluateAll((times) => times.map((t) => t.getAttribute("datetime")))).toEqual(expected);
    expect(await dialog.getByLabel("Stop containers during capture").isChecked()).toBe(false);
    expect(await dialog.getByLabel("Enabled").isChecked()).toBe(true);
    await screenshot(page, "schedules-02-dialog");
    await dialog.getByRole("button", { name: "Add schedule" }).click();
    await dialog.waitFor({ state: "detached" });

    const [schedule] = await schedules();
    expect(schedule).toMatchObject({ cron: "15 3 * * *", timezone: ZONE, enabled: true });
    expect(schedule!.nextRunAt).toBe(nextDueTimes("15 3 * * *", ZONE, new Date())[0]!.toISOString());
    const row = page.getByTestId(`schedule-row-${schedule!.id}`);
    await row.getByText("Daily at 03:15").waitFor();
    await row.getByText(ZONE, { exact: true }).waitFor();
    await row.getByText("Enabled", { exact: true }).waitFor();
    await row.getByText("No runs yet").waitFor();
    const next = row.getByTestId("schedule-next-run").locator("time");
    expect(await next.getAttribute("datetime")).toBe(schedule!.nextRunAt);
    expect(await next.textContent()).toContain(`(${ZONE})`);
    await screenshot(page, "schedules-03-added");
  });

  it("runs now: the run succeeds, and a dashboard open in another tab turns green without a reload", async () => {
    const dashboard = await context.newPage();
    await dashboard.goto("/");
    expect(await dashboardRow(dashboard).getAttribute("data-safety")).toBe("none");

    const [schedule] = await schedules();
    const row = page.getByTestId(`schedule-row-${schedule!.id}`);
    await row.getByRole("button", { name: "Run schedule Daily at 03:15 now" }).click();
    await row.getByRole("status").filter({ hasText: "Run queued." }).waitFor();
    await row.getByText("Succeeded", { exact: true }).waitFor({ timeout: RUN_TIMEOUT_MS });
    const runs = panel().getByTestId("schedule-runs");
    await runs.getByRole("row").filter({ hasText: "Run now" }).getByText("Succeeded", { exact: true }).waitFor();

    await expect.poll(() => dashboardRow(dashboard).getAttribute("data-safety"), { timeout: RUN_TIMEOUT_MS, interval: 500 }).toBe("ok");
    const green = dashboardRow(dashboard);
    await green.getByText("Safe", { exact: true }).waitFor();
    await green.getByText("Succeeded", { exact: true }).waitFor();
    await green.getByText("1 snapshot", { exact: false }).waitFor();
    await dashboard.getByTestId("dashboard-summary").getByText("1 workload safe").waitFor();
    // The next run is the schedule's, said relative to now ("in 7 hr." or "tomorrow"), the exact time in its title.
    expect(await green.locator("time").nth(1).getAttribute("datetime")).toBe(schedule!.nextRunAt);
    await green.getByRole("button", { name: `Take a scheduled snapshot of ${NAME} now` }).waitFor();
    await screenshot(dashboard, "schedules-04-dashboard-green");
    await dashboard.close();
  });

  it("pins the scheduled snapshot from the snapshots panel", async () => {
    const [snapshot] = (await api.query<SnapshotRow[]>("snapshot.list", { workloadId })).filter((s) => s.kind === "scheduled");
    expect(snapshot).toMatchObject({ kind: "scheduled", pinned: false });
    const snapshots = page.getByRole("region", { name: "Snapshots", exact: true });
    const row = snapshots.getByRole("row").filter({ hasText: "Scheduled" });
    await row.getByRole("button", { name: /^Pin snapshot / }).click();
    await row.getByRole("button", { name: /^Unpin snapshot / }).waitFor();
    const [after] = (await api.query<SnapshotRow[]>("snapshot.list", { workloadId })).filter((s) => s.id === snapshot!.id);
    expect(after!.pinned).toBe(true);
  });

  it("pauses and resumes the schedule", async () => {
    const [schedule] = await schedules();
    const row = page.getByTestId(`schedule-row-${schedule!.id}`);
    await row.getByRole("button", { name: "Pause schedule Daily at 03:15" }).click();
    await row.getByText("Paused", { exact: true }).first().waitFor();
    expect((await schedules())[0]).toMatchObject({ enabled: false, nextRunAt: null });
    await row.getByRole("button", { name: "Resume schedule Daily at 03:15" }).click();
    await row.getByText("Enabled", { exact: true }).waitFor();
    expect((await schedules())[0]!.enabled).toBe(true);
  });

  it("shows a viewer the dashboard and the schedules without any action", async () => {
    const viewer = await newContext(browser, app.url);
    try {
      await viewer.addCookies([{ name: "berth-locale", value: "en", url: app.url }]);
      const vpage = await viewer.newPage();
      await signIn(vpage, VIEWER.email, VIEWER.password);
      const row = dashboardRow(vpage);
      await row.getByText("Safe", { exact: true }).waitFor();
      expect(await row.getAttribute("data-safety")).toBe("ok");
      expect(await vpage.getByRole("main").getByRole("button").count()).toBe(0);
      await screenshot(vpage, "schedules-05-viewer-dashboard");

      await vpage.goto(`/workloads/${workloadId}`);
      const vpanel = vpage.getByTestId("schedules-panel");
      await vpanel.getByText("Daily at 03:15").waitFor();
      expect(await vpanel.getByRole("button").count()).toBe(0);
    } finally {
      await viewer.close();
    }
  });

  it("shows the dashboard in Russian", async () => {
    await page.goto("/");
    await page.getByRole("banner").getByRole("button", { name: "Русский" }).click();
    await page.getByRole("heading", { level: 1, name: "Обзор" }).waitFor();
    const nav = page.getByRole("navigation", { name: "Главное меню" });
    expect(await nav.getByRole("link", { name: "Обзор" }).getAttribute("aria-current")).toBe("page");
    const row = dashboardRow(page);
    await row.getByText("В порядке", { exact: true }).waitFor();
    await row.getByText("Выполнено", { exact: true }).waitFor();
    await row.getByText("1 снимок", { exact: false }).waitFor();
    await page.getByTestId("dashboard-summary").getByText("1 нагрузка в порядке").waitFor();
    await page.getByTestId("dashboard-failures").getByText("За последние 7 дней сбоев не было.").waitFor();
    await screenshot(page, "schedules-06-russian");
    await page.getByRole("banner").getByRole("button", { name: "English" }).click();
    await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
    expect(browserErrors).toEqual([]);
  });
});
