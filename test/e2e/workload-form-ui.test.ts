// The workload form's errors in a real browser (issue 17, item 4): every problem the form can
// see is shown at once under its field (aria-invalid, the focus on the first), a volume source
// with ".." is warned about while typing, a newly added row gets the focus, a host port another
// workload publishes is refused by the server under the port field; at desktop and phone width
// without sideways scrolling, and in Russian.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type AppServer, startAppServer } from "../support/app-server";
import { expectNoSidewaysScroll, launchBrowser, newContext, screenshot, signIn } from "../support/browser";

let app: AppServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const browserErrors: string[] = [];

const PROJECT = "wfui";
const PHONE = { width: 390, height: 844 };

/** A tRPC call as the signed-in browser (its session cookie; same-origin, as the UI sends it). */
async function trpc<T>(procedure: string, input: unknown): Promise<T> {
  const res = await page.request.post(`/api/trpc/${procedure}`, { headers: { origin: app.url }, data: { json: input } });
  const body = (await res.json()) as { result?: { data: { json: T } }; error?: unknown };
  if (!res.ok()) throw new Error(`${procedure}: ${res.status()} ${JSON.stringify(body.error)}`);
  return body.result!.data.json;
}

const focusedId = () => page.evaluate(() => document.activeElement?.id ?? "");
const invalid = async (id: string) => page.locator(`#${id}`).getAttribute("aria-invalid");
const errorUnder = (id: string) => page.locator(`#${id}-error`);

async function openNewForm() {
  await page.goto("/workloads/new");
  await page.locator("#workload-image").waitFor();
}

beforeAll(async () => {
  [app, browser] = await Promise.all([startAppServer(), launchBrowser()]);
  context = await newContext(browser, app.url);
  await context.addCookies([{ name: "berth-locale", value: "en", url: app.url }]);
  page = await context.newPage();
  page.on("pageerror", (error) => browserErrors.push(error.message));
  page.on("console", (msg) => {
    // The refused create answers 400: that request failure is expected.
    if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource")) browserErrors.push(msg.text());
  });
  await signIn(page, app.admin.email, app.admin.password);
  const project = await trpc<{ id: string }>("project.create", { slug: PROJECT });
  const stage = await trpc<{ id: string }>("stage.create", { projectId: project.id, slug: "production" });
  await trpc("workload.create", {
    projectId: project.id,
    stageId: stage.id,
    name: "wfui-holder",
    image: inject("testImage"),
    ports: [{ hostPort: 18_901, containerPort: 80, protocol: "tcp" }],
  });
});

afterAll(async () => {
  if (process.env.BERTH_TEST_VERBOSE) console.error(app?.logs());
  await context?.close();
  await browser?.close();
  await app?.stop();
});

describe("workload form errors", () => {
  for (const viewport of [{ width: 1280, height: 800 }, PHONE]) {
    const size = `${viewport.width}x${viewport.height}`;

    it(`shows every problem at once under its field, warns about '..' live, and focuses new rows (${size})`, async () => {
      await page.setViewportSize(viewport);
      await openNewForm();
      await page.locator("#workload-name").fill("wfui-form");

      await page.getByRole("button", { name: "Add variable" }).click();
      await expect.poll(focusedId).toBe("env-0-key");
      await page.keyboard.type("1bad");
      await page.locator("#env-0-value").fill("x");

      await page.getByRole("button", { name: "Add port" }).click();
      await expect.poll(focusedId).toBe("port-0-host");
      await page.keyboard.type("18902");
      await page.locator("#port-0-container").fill("80");

      await page.getByRole("button", { name: "Add volume" }).click();
      await expect.poll(focusedId).toBe("volume-0-target");
      await page.keyboard.type("/data");
      // Before any save: the source is judged as it is typed.
      expect(await errorUnder("volume-0-source").count()).toBe(0);
      await page.locator("#volume-0-source").fill("../etc");
      await errorUnder("volume-0-source").filter({ hasText: "Must not contain “..”" }).waitFor();
      expect(await invalid("volume-0-source")).toBe("true");
      expect(await page.locator("#volume-0-source").getAttribute("aria-describedby")).toBe("volume-0-preview volume-0-source-error");
      // …and nothing else is judged yet (the image is still empty).
      expect(await invalid("workload-image")).toBeNull();

      await page.getByRole("button", { name: "Create workload" }).click();
      await errorUnder("workload-image").filter({ hasText: "Enter an image." }).waitFor();
      await errorUnder("env-0-key").filter({ hasText: "“1bad” is not a valid name" }).waitFor();
      await errorUnder("volume-0-source").filter({ hasText: "Must not contain “..”" }).waitFor();
      expect([await invalid("workload-image"), await invalid("env-0-key"), await invalid("volume-0-source")]).toEqual([
        "true",
        "true",
        "true",
      ]);
      expect(await invalid("workload-name")).toBeNull();
      expect(await invalid("port-0-host")).toBeNull();
      await expect.poll(focusedId).toBe("workload-image");
      await page.getByRole("alert").filter({ hasText: "3 fields need attention" }).waitFor();
      await expectNoSidewaysScroll(page, `form with errors at ${size}`);
      await screenshot(page, `workload-form-ui-errors-${size}`);

      // Fixing a field clears its message at once; the others stay.
      await page.locator("#workload-image").fill(inject("testImage"));
      await expect.poll(() => errorUnder("workload-image").count()).toBe(0);
      expect(await invalid("env-0-key")).toBe("true");
      // Nothing was sent: only the holder exists.
      const listed = await page.request.get("/api/trpc/workload.list");
      const names = ((await listed.json()) as { result: { data: { json: { name: string }[] } } }).result.data.json.map((w) => w.name);
      expect(names).toEqual(["wfui-holder"]);
    });
  }

  it("refuses a host port another workload publishes under the port field", async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await openNewForm();
    await page.locator("#workload-name").fill("wfui-port");
    await page.locator("#workload-image").fill(inject("testImage"));
    await page.getByRole("button", { name: "Add port" }).click();
    await page.locator("#port-0-host").fill("18901");
    await page.locator("#port-0-container").fill("80");
    await page.getByRole("button", { name: "Create workload" }).click();
    await errorUnder("port-0-host")
      .filter({ hasText: `Host port 18901/tcp is already published by ${PROJECT}/production/wfui-holder.` })
      .waitFor();
    expect(await invalid("port-0-host")).toBe("true");
    await expect.poll(focusedId).toBe("port-0-host");
    expect(page.url()).toMatch(/\/workloads\/new$/);
    await screenshot(page, "workload-form-ui-port-taken");

    await page.setViewportSize(PHONE);
    await expectNoSidewaysScroll(page, "port refused at 390x844");

    // Another port is accepted: the workload is created and its page opens.
    await page.locator("#port-0-host").fill("18903");
    await page.getByRole("button", { name: "Create workload" }).click();
    await page.waitForURL((url) => /^\/workloads\/[^/]+$/.test(url.pathname) && url.pathname !== "/workloads/new");
  });

  it("shows the messages in Russian", async () => {
    await context.addCookies([{ name: "berth-locale", value: "ru", url: app.url }]);
    await page.setViewportSize(PHONE);
    await openNewForm();
    await page.locator("#workload-name").fill("Bad Name");
    await page.locator("form button[type=submit]").click();
    await errorUnder("workload-image").filter({ hasText: "Укажите образ." }).waitFor();
    await errorUnder("workload-name").filter({ hasText: "Используйте 1–40 строчных латинских букв" }).waitFor();
    await expect.poll(focusedId).toBe("workload-name");
    await page.getByRole("alert").filter({ hasText: "2 поля требуют внимания" }).waitFor();
    await expectNoSidewaysScroll(page, "Russian form at 390x844");
    await screenshot(page, "workload-form-ui-ru");
    expect(browserErrors).toEqual([]);
  });
});
