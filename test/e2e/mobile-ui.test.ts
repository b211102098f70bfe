// Every page at phone width (390 x 844) in a real browser against a production build. Data made
// through the API fills every list: a project with two stages, a deployed workload with volumes
// and a port, snapshots (one pinned), a restore run, a schedule, a local-folder storage target
// with a copy, an alert target, a second user and a token. On each page (signed in as the admin,
// then as the viewer, and the sign-in page signed out) nothing scrolls the page sideways, every
// button and link lies inside the viewport, and a table's rows are cards whose cells are
// labelled; the restore and delete dialogs fit too. At 1440 x 900 each snapshot row's buttons
// share one line.
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type AppServer, startAppServer } from "../support/app-server";
import { launchBrowser, newContext, newEnglishPage, RESULTS_DIR, screenshot, signIn } from "../support/browser";
import { createApiToken, trpcHttp } from "../support/trpc-http";

const PHONE = { width: 390, height: 844 };
const WIDE = { width: 1440, height: 900 };
const PROJECT = "mobile-ui-shop";
const NAME = "mobile-ui-orders";
const VIEWER = { email: "mobile-ui-viewer-with-a-rather-long-address@berth.test", password: "viewer-password-1" };
const COPY_TIMEOUT_MS = 60_000;
const ROOT = path.resolve(import.meta.dirname, "../..");

let app: AppServer;
let browser: Browser;
let api: ReturnType<typeof trpcHttp>;
let workloadId: string;
let targetDir: string;

type Snapshot = { id: string; label: string };

beforeAll(async () => {
  [app, browser] = await Promise.all([startAppServer({ BERTH_VERIFY_INTERVAL_HOURS: "0" }), launchBrowser()]);
  api = trpcHttp(app.url, createApiToken(app.dataDir, "admin"));
  const project = await api.mutate<{ id: string }>("project.create", { slug: PROJECT, name: "Shop with a longer display name" });
  const production = await api.mutate<{ id: string }>("stage.create", { projectId: project.id, slug: "production" });
  await api.mutate("stage.create", { projectId: project.id, slug: "staging-environment-for-previews" });
  ({ id: workloadId } = await api.mutate<{ id: string }>("workload.create", {
    projectId: project.id,
    stageId: production.id,
    name: NAME,
    image: inject("testImage"),
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"],
    env: [{ key: "DATABASE_URL_WITH_A_LONG_NAME", value: "postgres://orders:secret@db.internal.example:5432/orders" }],
    ports: [{ hostPort: 18_391, containerPort: 8080, protocol: "tcp" }],
    volumes: [
      { target: "/var/lib/orders/data-with-a-long-folder-name", scope: "stage", source: "orders-data" },
      { target: "/etc/orders", scope: "stage", source: "config", readOnly: true },
    ],
  }));
  await api.mutate("workload.deploy", { id: workloadId });
  const folder = path.join(app.dataDir, "volumes", "projects", PROJECT, "stages", "production", "orders-data");
  await fs.mkdir(folder, { recursive: true });
  await fs.writeFile(path.join(folder, "orders.db"), "order 1\n");

  targetDir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-mobile-ui-target-"));
  const target = await api.mutate<{ id: string }>("storageTarget.create", { kind: "local", name: "mobile-ui-nas", folder: targetDir });
  await api.mutate("storageTarget.setCopyPolicy", { workloadId, targetIds: [target.id] });
  await api.mutate("alertTarget.create", {
    name: "mobile-ui-webhook",
    format: "json",
    url: "http://127.0.0.1:9/hooks/berth-alerts-with-a-long-path-and-a-secret-token",
    events: ["schedule-failed", "restore-failed", "copy-failed"],
  });
  await api.mutate("schedule.upsert", { workloadId, cron: "15 3 * * *", timezone: "Europe/Berlin" });
  await api.mutate("user.create", { ...VIEWER, role: "VIEWER" });
  await api.mutate("token.create", { name: "mobile-ui-backup-script", role: "VIEWER" });

  const first = await api.mutate<Snapshot>("snapshot.create", { workloadId, label: "before-the-migration-of-orders" });
  await api.mutate("snapshot.pin", { id: first.id, pinned: true });
  await api.mutate("snapshot.create", { workloadId, label: "nightly" });
  await api.mutate("snapshot.restore", { workloadId, snapshotId: first.id, confirm: first.id });
  // The copies are made in the background; the off-host panel then lists them.
  const deadline = Date.now() + COPY_TIMEOUT_MS;
  while ((await api.query<{ state: string }[]>("snapshot.copies", { workloadId })).filter((c) => c.state === "verified").length < 2) {
    if (Date.now() > deadline) throw new Error("the snapshots were not copied to the storage target");
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
});

afterAll(async () => {
  if (process.env.BERTH_TEST_VERBOSE) console.error(app?.logs());
  await browser?.close();
  await app?.stop();
  if (targetDir) await fs.rm(targetDir, { recursive: true, force: true });
});

interface PageCase {
  name: string;
  path: string;
  /** something the page shows once its data is in */
  ready: (page: Page) => Promise<void>;
}

const heading = (name: string) => (page: Page) => page.getByRole("heading", { name, exact: true }).first().waitFor();
const text = (value: string) => (page: Page) => page.getByText(value, { exact: true }).first().waitFor();

const ADMIN_PAGES: PageCase[] = [
  { name: "dashboard", path: "/", ready: (page) => page.locator(`[data-testid^="dashboard-row-"]`).first().waitFor() },
  { name: "workloads", path: "/workloads", ready: (page) => page.getByRole("link", { name: NAME }).waitFor() },
  { name: "new-workload", path: "/workloads/new", ready: heading("New workload") },
  { name: "workload", path: "/workloads/:id", ready: text("before-the-migration-of-orders") },
  {
    name: "workload-edit",
    path: "/workloads/:id/edit",
    ready: (page) => page.getByRole("button", { name: "Save", exact: true }).waitFor(),
  },
  { name: "snapshots", path: "/snapshots", ready: text("before-the-migration-of-orders") },
  { name: "projects", path: "/projects", ready: text("staging-environment-for-previews") },
  { name: "settings-users", path: "/settings?tab=users", ready: text(VIEWER.email) },
  { name: "settings-tokens", path: "/settings?tab=tokens", ready: text("mobile-ui-backup-script") },
  { name: "settings-alerts", path: "/settings?tab=alerts", ready: text("mobile-ui-webhook") },
  { name: "settings-storage", path: "/settings?tab=storage", ready: text("mobile-ui-nas") },
  { name: "settings-account", path: "/settings?tab=account", ready: heading("Settings") },
];

// Those whose readiness is their data, not an English word.
const RUSSIAN_PAGES = ADMIN_PAGES.filter((p) => !["new-workload", "workload-edit", "settings-account"].includes(p.name));

const VIEWER_PAGES = ADMIN_PAGES.filter((p) =>
  ["dashboard", "workloads", "workload", "snapshots", "projects", "settings-account"].includes(p.name),
);

/** What sticks out at this width: the page's sideways scroll, and buttons or links past an edge. */
async function overflowOf(page: Page) {
  return page.evaluate(() => {
    const width = window.innerWidth;
    const outside = [...document.querySelectorAll<HTMLElement>("button, a[href], [role='button']")]
      .filter((el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden" && !el.closest(".sr-only"))
      .map((el) => ({ el, box: el.getBoundingClientRect() }))
      .filter(({ box }) => box.width > 1 && (box.left < -0.5 || box.right > width + 0.5))
      .map(
        ({ el, box }) => `${el.getAttribute("aria-label") ?? el.textContent?.trim()} (${Math.round(box.left)}..${Math.round(box.right)})`,
      );
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: width, outside };
  });
}

/** Each table's rows as the phone shows them: display of the row and the header, and the cells' labels. */
async function tableLayout(page: Page) {
  return page.locator("main table").evaluateAll((tables: HTMLTableElement[]) =>
    tables
      .filter((table) => table.getClientRects().length > 0)
      .map((table) => {
        const row = table.querySelector("tbody > tr");
        const labelled = row ? [...row.querySelectorAll(":scope > td[data-label]")] : [];
        return {
          head: table.tHead ? getComputedStyle(table.tHead).display : "none",
          row: row ? getComputedStyle(row).display : "none",
          labels: labelled.map((td) => getComputedStyle(td, "::before").content),
          columns: table.tHead ? table.tHead.querySelectorAll("th").length : 0,
        };
      }),
  );
}

async function expectFits(page: Page, name: string) {
  const { scrollWidth, innerWidth, outside } = await overflowOf(page);
  expect(scrollWidth, `${name}: the page scrolls sideways`).toBeLessThanOrEqual(innerWidth);
  expect(outside, `${name}: buttons or links past the viewport's edge`).toEqual([]);
}

async function visitAll(page: Page, pages: PageCase[], who: string) {
  for (const p of pages) {
    await page.goto(p.path.replace(":id", workloadId));
    await p.ready(page);
    await page.waitForLoadState("networkidle");
    await screenshot(page, `mobile-ui-${who}-${p.name}`);
    await expectFits(page, `${who} ${p.name}`);
    // Every table is a stack of cards here: no header row, each row a block with labelled cells.
    for (const table of await tableLayout(page)) {
      expect(table, `${who} ${p.name}: a table is not shown as cards`).toMatchObject({ head: "none", row: "block" });
      expect(table.labels.length, `${who} ${p.name}: cells without their column's label`).toBeGreaterThan(0);
      for (const label of table.labels) expect(label).not.toMatch(/^(none|normal|"")$/);
    }
  }
}

describe("at 390 px", () => {
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    ({ context, page } = await newEnglishPage(browser, app.url, errors));
    await page.setViewportSize(PHONE);
    await signIn(page, app.admin.email, app.admin.password);
  });
  afterAll(() => context?.close());

  it("fits every page an admin sees, its lists as labelled cards", async () => {
    await visitAll(page, ADMIN_PAGES, "admin");
    // The workload list's row: its name, status and buttons in one card, labelled.
    await page.goto("/workloads");
    const row = page.getByRole("row").filter({ hasText: NAME });
    const cells = await row.locator("td[data-label]").evaluateAll((tds) => tds.map((td) => td.getAttribute("data-label")));
    expect(cells).toEqual(["Name", "Status", "Image", "Volumes"]);
    expect(await row.locator("td[data-actions] button").count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });

  it("keeps the shell on screen: the navigation, the language switch and Log out", async () => {
    await page.goto("/");
    for (const name of ["Dashboard", "Workloads", "Projects", "Snapshots", "Settings"]) {
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true }).waitFor();
    }
    await expectFits(page, "shell");
    const logOut = await page.getByRole("button", { name: "Log out" }).boundingBox();
    expect(logOut!.x + logOut!.width).toBeLessThanOrEqual(PHONE.width);
  });

  it("fits the restore and delete dialogs", async () => {
    await page.goto(`/workloads/${workloadId}`);
    const label = "before-the-migration-of-orders";
    const dialogs = [
      { open: () => page.getByRole("button", { name: `Restore snapshot ${label}` }), name: "restore" },
      { open: () => page.getByRole("button", { name: `Delete snapshot ${label}` }), name: "delete-snapshot" },
      { open: () => page.getByRole("main").getByRole("button", { name: "Delete", exact: true }), name: "delete-workload" },
    ];
    for (const d of dialogs) {
      await d.open().first().click();
      const dialog = page.getByRole("dialog");
      await dialog.waitFor();
      // What the phone shows: the dialog over the page, not the whole page.
      await fs.mkdir(RESULTS_DIR, { recursive: true });
      await page.screenshot({ path: path.join(RESULTS_DIR, `mobile-ui-dialog-${d.name}.png`) });
      const fit = await dialog.evaluate((el) => {
        const box = el.getBoundingClientRect();
        return { left: box.left, right: box.right, inner: el.scrollWidth - el.clientWidth, width: window.innerWidth };
      });
      expect(fit.left, `${d.name} dialog: left edge`).toBeGreaterThanOrEqual(0);
      expect(fit.right, `${d.name} dialog: right edge`).toBeLessThanOrEqual(fit.width);
      expect(fit.inner, `${d.name} dialog: scrolls sideways inside`).toBeLessThanOrEqual(0);
      await expectFits(page, `${d.name} dialog`);
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "hidden" });
    }
  });

  it("fits every page a viewer sees", async () => {
    const viewer = await newEnglishPage(browser, app.url, errors);
    try {
      await viewer.page.setViewportSize(PHONE);
      await signIn(viewer.page, VIEWER.email, VIEWER.password);
      await visitAll(viewer.page, VIEWER_PAGES, "viewer");
    } finally {
      await viewer.context.close();
    }
  });

  it("fits the pages in Russian, whose words are longer", async () => {
    const context = await newContext(browser, app.url, { viewport: PHONE });
    try {
      await context.addCookies([{ name: "berth-locale", value: "ru", url: app.url }]);
      const ru = await context.newPage();
      await ru.goto("/login");
      await ru.locator("#login-email").fill(app.admin.email);
      await ru.locator("#login-password").fill(app.admin.password);
      await ru.locator("button[type=submit]").click();
      await ru.waitForURL((url) => url.pathname === "/");
      await visitAll(ru, RUSSIAN_PAGES, "ru");
    } finally {
      await context.close();
    }
  });

  it("fits the sign-in page, signed out", async () => {
    const anonymous = await newEnglishPage(browser, app.url, errors);
    try {
      await anonymous.page.setViewportSize(PHONE);
      await anonymous.page.goto("/login");
      await anonymous.page.getByRole("button", { name: "Sign in" }).waitFor();
      await screenshot(anonymous.page, "mobile-ui-login");
      await expectFits(anonymous.page, "login");
    } finally {
      await anonymous.context.close();
    }
  });
});

describe("at 1440 px", () => {
  it.each(["en", "ru"])("keeps each snapshot row's buttons on one line (%s)", async (locale) => {
    const { context, page } = await newEnglishPage(browser, app.url, []);
    try {
      await page.setViewportSize(WIDE);
      await signIn(page, app.admin.email, app.admin.password);
      await context.addCookies([{ name: "berth-locale", value: locale, url: app.url }]);
      await page.goto(`/workloads/${workloadId}`);
      const catalog = JSON.parse(await fs.readFile(path.join(ROOT, "messages", `${locale}.json`), "utf8"));
      const panel = page.getByRole("region", { name: catalog.snapshotPanel.title, exact: true });
      await panel.getByText("before-the-migration-of-orders", { exact: true }).waitFor();
      await screenshot(page, `mobile-ui-wide-workload-${locale}`);
      const rows = await panel
        .locator("tbody > tr")
        .evaluateAll((trs) =>
          trs.map((tr) =>
            [...tr.querySelectorAll("td[data-actions] :is(button, a[href])")]
              .filter((el) => el.getClientRects().length > 0)
              .map((el) => Math.round(el.getBoundingClientRect().top)),
          ),
        );
      // the two taken, the restore's undo copy
      expect(rows.length).toBeGreaterThanOrEqual(3);
      for (const tops of rows) {
        expect(tops.length).toBeGreaterThanOrEqual(4);
        expect(new Set(tops).size, `buttons on ${new Set(tops).size} lines`).toBe(1);
      }
      // Wide, a table is a table: its header shows and its rows are rows.
      const layout = await tableLayout(page);
      expect(layout.length).toBeGreaterThan(0);
      for (const table of layout) expect(table).toMatchObject({ head: "table-header-group", row: "table-row" });
    } finally {
      await context.close();
    }
  });
});
