// Issue 17 (6), the small things, in Chromium against `npm start`: an import shows when its
// archive was taken beside when it was imported; sign-in returns to the page asked for (and
// never off the site); "7 bytes"; the restore phrase stands apart and the finished dialog
// says so; Delete project/stage is unavailable with its reason while workloads are in it; the
// workload delete dialog says what happens to its snapshots; a favicon; telemetry off.
// Desktop (1280×800) and 390×844: no page scrolls sideways.
import fs from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { dir, file, gzip, snapshotTar } from "../support/archive-builder";
import { type AppServer, startAppServer } from "../support/app-server";
import { deployDataWorkload, expectNoSidewaysScroll, launchBrowser, newEnglishPage, screenshot, signIn } from "../support/browser";
import { createApiToken, trpcHttp } from "../support/trpc-http";

const PROJECT = "small-things";
const NAME = "small-things-app";
const TAKEN = "2023-05-06T07:08:09.000Z";
// 7 bytes: the restore dialog lists the volume as "1 file, 7 bytes".
const CONTENT = "hello!\n";

let app: AppServer;
let browser: Browser;
let admin: string;
let workloadId: string;
const telemetryBefore = process.env.NEXT_TELEMETRY_DISABLED;

const archiveTakenAt = (createdAt: string) =>
  gzip(
    snapshotTar([dir("volumes/0/"), file("volumes/0/hello.txt", CONTENT)], {
      manifest: {
        version: 2,
        createdAt,
        volumes: [{ index: 0, target: "/data", scope: "stage", source: "data", files: 1, bytes: CONTENT.length }],
      },
    }),
  );

async function importArchive(label: string): Promise<{ id: string; takenAt: string | null }> {
  const res = await fetch(`${app.url}/api/workloads/${workloadId}/snapshots/import?label=${encodeURIComponent(label)}`, {
    method: "POST",
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/gzip" },
    body: new Uint8Array(archiveTakenAt(TAKEN)),
  });
  const body = (await res.json()) as { snapshot: { id: string; takenAt: string | null } };
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body.snapshot;
}

/** The environment of the app server's Node process (the one start.mjs spawns), read from /proc. */
function serverEnvironment(dataDir: string): Map<string, string> {
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (!cmdline.includes("src/server/main.ts")) continue;
      const env = new Map(
        fs
          .readFileSync(`/proc/${pid}/environ`, "utf8")
          .split("\0")
          .filter(Boolean)
          .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)] as [string, string]),
      );
      if (env.get("BERTH_DATA_DIR") === dataDir) return env;
    } catch {}
  }
  throw new Error(`no server process for ${dataDir}`);
}

beforeAll(async () => {
  // The operator did not set it: start.mjs must.
  delete process.env.NEXT_TELEMETRY_DISABLED;
  [app, browser] = await Promise.all([startAppServer(), launchBrowser()]);
  admin = createApiToken(app.dataDir, "admin");
  workloadId = await deployDataWorkload(trpcHttp(app.url, admin).mutate, {
    project: PROJECT,
    stage: "production",
    name: NAME,
    namedVolume: "berth-e2e-small-things-cache",
    image: inject("testImage"),
  });
});

afterAll(async () => {
  if (telemetryBefore !== undefined) process.env.NEXT_TELEMETRY_DISABLED = telemetryBefore;
  if (process.env.BERTH_TEST_VERBOSE) console.error(app?.logs());
  await browser?.close();
  await app?.stop();
});

describe("the server", () => {
  it("runs with Next.js telemetry off when the operator did not set it", () => {
    expect(serverEnvironment(app.dataDir).get("NEXT_TELEMETRY_DISABLED")).toBe("1");
  });

  it("serves a favicon and links it from every page", async () => {
    const html = await (await fetch(`${app.url}/login`)).text();
    const href = /<link rel="icon" href="([^"]+)"[^>]*type="image\/svg\+xml"/.exec(html)?.[1];
    expect(href, html.slice(0, 2000)).toMatch(/^\/icon\.svg/);
    const icon = await fetch(`${app.url}${href}`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get("content-type")).toContain("image/svg+xml");
    expect(await icon.text()).toContain("<svg");
  });
});

describe("sign-in returns to the page asked for", () => {
  let context: BrowserContext;
  let page: Page;
  const browserErrors: string[] = [];
  beforeAll(async () => {
    ({ context, page } = await newEnglishPage(browser, app.url, browserErrors));
  });
  afterAll(() => context?.close());

  const signInHere = async () => {
    await page.getByLabel("Email").fill(app.admin.email);
    await page.getByLabel("Password").fill(app.admin.password);
    await page.getByRole("button", { name: "Sign in" }).click();
  };

  it("a signed-out visit to a workload is sent to /login?next=<that page>", async () => {
    const res = await fetch(`${app.url}/workloads/${workloadId}?tab=x`, { redirect: "manual" });
    expect(res.status).toBe(307);
    expect(res.headers.get("location")).toBe(`/login?next=${encodeURIComponent(`/workloads/${workloadId}?tab=x`)}`);
    await page.goto(`/workloads/${workloadId}?tab=x`);
    await page.waitForURL((url) => url.pathname === "/login");
    expect(new URL(page.url()).searchParams.get("next")).toBe(`/workloads/${workloadId}?tab=x`);
  });

  it("signing in at /login?next=<page> lands on that page; signed in already, /login goes straight there", async () => {
    await context.clearCookies();
    await context.addCookies([{ name: "berth-locale", value: "en", url: app.url }]);
    await page.goto(`/login?next=${encodeURIComponent(`/workloads/${workloadId}?tab=x`)}`);
    await signInHere();
    await page.waitForURL((url) => url.pathname === `/workloads/${workloadId}` && url.search === "?tab=x");
    await page.getByRole("heading", { name: NAME }).first().waitFor();
    await page.goto(`/login?next=${encodeURIComponent("/projects")}`);
    await page.waitForURL((url) => url.pathname === "/projects");
    expect(browserErrors).toEqual([]);
  });

  it.each(["//evil.example/x", "https://evil.example/", "/\\evil.example", "/.//evil.example"])(
    "a hostile next=%j lands on the dashboard",
    async (next) => {
      await context.clearCookies();
      await context.addCookies([{ name: "berth-locale", value: "en", url: app.url }]);
      await page.goto(`/login?next=${encodeURIComponent(next)}`);
      await signInHere();
      await page.waitForURL((url) => url.pathname === "/");
      expect(new URL(page.url()).origin).toBe(app.url);
    },
  );
});

describe("pages", () => {
  let context: BrowserContext;
  let page: Page;
  const browserErrors: string[] = [];
  const panel = () => page.getByRole("region", { name: "Snapshots", exact: true });
  const rowOf = (label: string) => panel().getByRole("row").filter({ hasText: label });

  beforeAll(async () => {
    ({ context, page } = await newEnglishPage(browser, app.url, browserErrors));
    await signIn(page, app.admin.email, app.admin.password);
  });
  afterAll(() => context?.close());

  it("an import shows when it was taken and when it was imported", async () => {
    const imported = await importArchive("small-things-import");
    expect(imported.takenAt).toBe(TAKEN);
    await page.goto(`/workloads/${workloadId}`);
    const when = rowOf("small-things-import").getByTestId("snapshot-taken-imported");
    await when.waitFor();
    const text = (await when.textContent()) ?? "";
    expect(text).toMatch(/^taken .*2023.* · imported .+$/);
    expect(await when.locator("time").first().getAttribute("datetime")).toBe(TAKEN);
    await screenshot(page, "small-things-00-taken-imported");
    await expectNoSidewaysScroll(page, "workload page");
  });

  it("the restore dialog sets the phrase apart, counts 7 bytes, and says when it is finished", async () => {
    await page.goto(`/workloads/${workloadId}`);
    await rowOf("small-things-import").getByRole("button", { name: "Restore snapshot small-things-import" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("heading", { name: "Restore snapshot small-things-import?" }).waitFor();
    const phrase = dialog.getByTestId("restore-confirm-phrase");
    expect(await phrase.evaluate((el) => el.tagName)).toBe("CODE");
    expect(await phrase.textContent()).toBe("small-things-import");
    expect(await phrase.evaluate((el) => getComputedStyle(el).userSelect)).toBe("all");
    await dialog.getByText("1 file, 7 bytes").waitFor();
    await screenshot(page, "small-things-01-restore-phrase");
    await dialog.getByLabel("To confirm, type small-things-import").fill("small-things-import");
    await dialog.getByRole("button", { name: "Restore now" }).click();
    await dialog.getByRole("status").filter({ hasText: "was restored." }).waitFor({ timeout: 120_000 });
    await dialog.getByRole("heading", { name: "Restore finished" }).waitFor();
    await screenshot(page, "small-things-02-restore-finished");
    await dialog.getByRole("button", { name: "Done" }).click();
    await dialog.waitFor({ state: "detached" });
  });

  it("the workload delete dialog says its snapshots are kept and that they block the delete", async () => {
    await page.goto(`/workloads/${workloadId}`);
    await page.getByRole("button", { name: "Delete", exact: true }).first().click();
    const dialog = page.getByRole("dialog", { name: "Delete workload?" });
    const notice = dialog.getByTestId("delete-workload-snapshots");
    await notice.waitFor();
    const count = (await trpcHttp(app.url, admin).query<unknown[]>("snapshot.list", { workloadId })).length;
    expect(count).toBeGreaterThan(0);
    await notice.getByText(`It has ${count} snapshot${count === 1 ? "" : "s"}`).waitFor();
    await notice.getByText("they are kept until you delete them", { exact: false }).waitFor();
    expect(await dialog.getByRole("button", { name: "Delete workload" }).isDisabled()).toBe(true);
    await screenshot(page, "small-things-03-delete-workload");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });
  });

  it("Delete project and Delete stage are unavailable with their reason while workloads are in them", async () => {
    await trpcHttp(app.url, admin).mutate("project.create", { slug: "small-things-empty" });
    await page.goto("/projects");
    const project = page.getByRole("region", { name: PROJECT, exact: true });
    const deleteProject = project.getByRole("button", { name: `Delete project ${PROJECT}` });
    await deleteProject.waitFor();
    expect(await deleteProject.isDisabled()).toBe(true);
    const reasonId = await deleteProject.getAttribute("aria-describedby");
    expect(await page.locator(`[id="${reasonId}"]`).first().textContent()).toBe(
      "Cannot be deleted while 1 workload is in it: delete or move it first.",
    );
    expect(await project.getByRole("button", { name: "Delete stage production" }).isDisabled()).toBe(true);
    // An empty project can still be deleted.
    const empty = page.getByRole("region", { name: "small-things-empty", exact: true });
    expect(await empty.getByRole("button", { name: "Delete project small-things-empty" }).isEnabled()).toBe(true);
    await screenshot(page, "small-things-04-projects");
    await expectNoSidewaysScroll(page, "projects");
    expect(browserErrors).toEqual([]);
  });
});

describe("at 390×844", () => {
  let context: BrowserContext;
  let page: Page;
  const browserErrors: string[] = [];
  beforeAll(async () => {
    ({ context, page } = await newEnglishPage(browser, app.url, browserErrors));
    await page.setViewportSize({ width: 390, height: 844 });
  });
  afterAll(() => context?.close());

  it("the sign-in, workload and projects pages do not scroll sideways", async () => {
    await page.goto(`/login?next=${encodeURIComponent(`/workloads/${workloadId}`)}`);
    await expectNoSidewaysScroll(page, "login");
    await page.getByLabel("Email").fill(app.admin.email);
    await page.getByLabel("Password").fill(app.admin.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((url) => url.pathname === `/workloads/${workloadId}`);
    await page.getByTestId("snapshot-taken-imported").first().waitFor();
    await expectNoSidewaysScroll(page, "workload page");
    await screenshot(page, "small-things-05-mobile-workload");
    await page.goto("/projects");
    await page.getByText("Cannot be deleted while 1 workload is in it", { exact: false }).first().waitFor();
    await expectNoSidewaysScroll(page, "projects");
    await screenshot(page, "small-things-06-mobile-projects");
    expect(browserErrors).toEqual([]);
  });
});
