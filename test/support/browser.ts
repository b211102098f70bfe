// Chromium for e2e tests: Debian's /usr/bin/chromium driven by playwright-core (no browser
// download is possible here). Each launch gets a fresh temporary profile; each context is
// a fresh, cookie-less session on top of it.
import fs from "node:fs/promises";
import path from "node:path";
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from "playwright-core";
import { expect } from "vitest";

export const CHROMIUM_PATH = process.env.BERTH_CHROMIUM ?? "/usr/bin/chromium";
export const RESULTS_DIR = path.resolve(import.meta.dirname, "../../test-results");

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--no-first-run",
];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** A fresh context (no cookies, no storage) whose relative URLs resolve against baseURL. */
export async function newContext(browser: Browser, baseURL: string, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 }, locale: "en-US", ...options });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(30_000);
  return context;
}

/** Saves a full-page screenshot as test-results/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await fs.mkdir(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Signs in through the login form and waits for the dashboard it lands on. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.pathname === "/");
}

export type TrpcCall = <T>(procedure: string, input: unknown) => Promise<T>;

/**
 * The workload the snapshot and restore pages are tested with, made through the API (fast)
 * and deployed: a stage folder at /data (covered by snapshots) and a Docker named volume at
 * /cache (never covered). Returns the workload id.
 */
export async function deployDataWorkload(
  call: TrpcCall,
  names: { project: string; stage: string; name: string; namedVolume: string; image: string },
): Promise<string> {
  const project = await call<{ id: string }>("project.create", { slug: names.project });
  const stage = await call<{ id: string }>("stage.create", { projectId: project.id, slug: names.stage });
  const workload = await call<{ id: string }>("workload.create", {
    projectId: project.id,
    stageId: stage.id,
    name: names.name,
    image: names.image,
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"],
    volumes: [
      { target: "/data", scope: "stage", source: "data" },
      { target: "/cache", scope: "named", source: names.namedVolume },
    ],
  });
  await call("workload.deploy", { id: workload.id });
  return workload.id;
}

/**
 * A fresh session in English whose page records uncaught errors and console errors into
 * `errors` (failed requests are left out: tests provoke refusals on purpose).
 */
export async function newEnglishPage(
  browser: Browser,
  baseURL: string,
  errors: string[],
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await newContext(browser, baseURL);
  await context.addCookies([{ name: "berth-locale", value: "en", url: baseURL }]);
  const page = await context.newPage();
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (msg) => {
    if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource")) errors.push(msg.text());
  });
  return { context, page };
}

/** How far the page scrolls sideways (0 when it fits the viewport's width). */
export const sidewaysOverflow = (page: Page): Promise<number> =>
  page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth));

/** The page fits the viewport's width; `name` says which page in the failure. */
export async function expectNoSidewaysScroll(page: Page, name: string): Promise<void> {
  expect(await sidewaysOverflow(page), `${name}: the page scrolls sideways`).toBe(0);
}
