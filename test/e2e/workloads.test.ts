// Workloads in a real browser against a production build (`next start`) and the private
// Docker engine: projects and stages, the create form (command one argument per line, a
// stage volume and its location preview), a refused volume, deploy → running → logs →
// data on the host, stop, edit, the list in Russian, the viewer's read-only view, and delete
// with the data after typing the name.
import fs from "node:fs/promises";
import path from "node:path";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type AppServer, startAppServer } from "../support/app-server";
import { launchBrowser, newContext, screenshot } from "../support/browser";

let app: AppServer;
let browser: Browser;

beforeAll(async () => {
  [app, browser] = await Promise.all([startAppServer(), launchBrowser()]);
});

afterAll(async () => {
  if (process.env.BERTH_TEST_VERBOSE) console.error(app?.logs());
  await browser?.close();
  await app?.stop();
});

const PROJECT = "shop";
const STAGE = "production";
const NAME = "web";
const COMMAND = ["sh", "-c", "trap 'exit 0' TERM; echo hello-from-berth; echo data > /data/out.txt; sleep 3600 & wait"];
const dataFolder = () => path.join(app.dataDir, "volumes", "projects", PROJECT, "stages", STAGE, "app");

async function signIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  // Signing in lands on the dashboard; these tests start from the workloads page.
  await page.waitForURL((url) => url.pathname === "/");
  await page.goto("/workloads");
}

/** workload.list as the signed-in browser sees it (same cookies). */
async function listWorkloads(page: Page): Promise<{ id: string; name: string }[]> {
  const res = await page.request.get("/api/trpc/workload.list");
  expect(res.status()).toBe(200);
  return ((await res.json()) as { result: { data: { json: { id: string; name: string }[] } } }).result.data.json;
}

async function waitForFile(file: string, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fs.readFile(file, "utf8");
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const statusOf = (page: Page) => page.getByRole("main").getByRole("group", { name: /^(Status|Состояние)$/ });

describe("workloads UI", () => {
  let context: BrowserContext;
  let page: Page;
  let workloadId = "";
  const browserErrors: string[] = [];

  beforeAll(async () => {
    context = await newContext(browser, app.url);
    await context.addCookies([{ name: "berth-locale", value: "en", url: app.url }]);
    page = await context.newPage();
    page.on("pageerror", (error) => browserErrors.push(error.message));
    page.on("console", (msg) => {
      // The refused create answers 400: that request failure is expected.
      if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource")) browserErrors.push(msg.text());
    });
  });
  afterAll(() => context?.close());

  it("starts from an honest empty state, then creates a project and a stage", async () => {
    await signIn(page, app.admin.email, app.admin.password);
    const main = page.getByRole("main");
    await main.getByText("No workloads yet.").waitFor();
    await main.getByText("Start by creating a project.", { exact: false }).waitFor();
    await screenshot(page, "workloads-01-empty");

    await main.getByRole("link", { name: "Create project" }).click();
    await page.waitForURL("**/projects");
    await page.getByRole("heading", { level: 1, name: "Projects and stages" }).waitFor();
    await main.getByText("No projects yet.").waitFor();

    await main.getByRole("button", { name: "Create project" }).click();
    const projectDialog = page.getByRole("dialog", { name: "Create project" });
    await projectDialog.getByLabel("Slug").fill(PROJECT);
    await projectDialog.getByLabel("Display name").fill("Shop");
    await projectDialog.getByRole("button", { name: "Create project" }).click();
    await projectDialog.waitFor({ state: "detached" });
    const card = main.getByRole("region", { name: /^Shop/ });
    await card.getByText("No stages yet.", { exact: false }).waitFor();

    await card.getByRole("button", { name: `Add a stage to ${PROJECT}` }).click();
    const stageDialog = page.getByRole("dialog", { name: `Add a stage to ${PROJECT}` });
    await stageDialog.getByLabel("Slug").fill(STAGE);
    await stageDialog.getByRole("button", { name: "Add stage" }).click();
    await stageDialog.waitFor({ state: "detached" });
    const row = card.getByRole("row").filter({ hasText: STAGE });
    await row.getByText(`<data>/volumes/projects/${PROJECT}/stages/${STAGE}`).waitFor();
    await screenshot(page, "workloads-02-projects");
  });

  it("shows the server's refusal of a volume source with '..' inline and creates nothing", async () => {
    await page.goto("/workloads");
    await page.getByRole("main").getByRole("link", { name: "New workload" }).click();
    await page.waitForURL("**/workloads/new");
    await page.getByRole("heading", { level: 1, name: "New workload" }).waitFor();
    expect(await page.getByLabel("Project").inputValue()).not.toBe("");
    // A name that is not a slug: its message shows under the field.
    await page.getByLabel("Name", { exact: true }).fill("Web App");
    await page.getByLabel("Image").fill(inject("testImage"));
    await page.getByLabel("Command").fill(COMMAND.join("\n"));
    await page.getByLabel("Restart policy").selectOption("no");

    await page.getByRole("button", { name: "Add volume" }).click();
    const volume = page.getByRole("group", { name: "Volume 1" });
    await volume.getByLabel("Container path").fill("/data");
    expect(await volume.getByLabel("Scope").inputValue()).toBe("stage");
    await volume.getByLabel("Folder name").fill("../x");
    await volume.getByText(`<data>/volumes/projects/${PROJECT}/stages/${STAGE}/../x`).waitFor();
    await page.getByRole("button", { name: "Create workload" }).click();
    // One Save shows both problems, each under its own field.
    await page.locator("#workload-name-error").filter({ hasText: "Use 1–40 lowercase letters" }).waitFor();
    await page.locator("#volume-0-source-error").filter({ hasText: "Must not contain “..”" }).waitFor();
    expect(await page.getByLabel("Name", { exact: true }).getAttribute("aria-invalid")).toBe("true");

    await page.getByLabel("Name", { exact: true }).fill(NAME);
    await page.getByRole("button", { name: "Create workload" }).click();

    await page.locator("#volume-0-source-error").filter({ hasText: "Must not contain “..”" }).waitFor();
    expect(page.url()).toMatch(/\/workloads\/new$/);
    expect(await listWorkloads(page)).toEqual([]);
    await screenshot(page, "workloads-03-volume-refused");
  });

  it("creates the workload with its stage volume and shows where the data will live", async () => {
    const volume = page.getByRole("group", { name: "Volume 1" });
    await volume.getByLabel("Folder name").fill("app");
    await volume.getByText(`<data>/volumes/projects/${PROJECT}/stages/${STAGE}/app`).waitFor();
    await screenshot(page, "workloads-04-form");
    await page.getByRole("button", { name: "Create workload" }).click();

    await page.waitForURL((url) => /^\/workloads\/[^/]+$/.test(url.pathname) && url.pathname !== "/workloads/new");
    workloadId = new URL(page.url()).pathname.split("/").at(-1)!;
    await page.getByRole("heading", { level: 1, name: NAME }).waitFor();
    await statusOf(page).getByText("Not deployed", { exact: true }).waitFor();
    const created = await listWorkloads(page);
    expect(created.map((w) => w.name)).toEqual([NAME]);
  });

  it("deploys: running, the container's output in the logs panel, the data in the stage folder on the host", async () => {
    await page.getByRole("button", { name: `Deploy ${NAME}` }).click();
    await statusOf(page).getByText("Running", { exact: true }).waitFor();
    await page.getByRole("region", { name: "Logs" }).getByText("hello-from-berth").waitFor();
    expect((await waitForFile(path.join(dataFolder(), "out.txt"))).trim()).toBe("data");

    // Admins see the resolved host path in the volumes table.
    const volumes = page.getByRole("row").filter({ hasText: "/data" });
    await volumes.getByText(dataFolder(), { exact: true }).waitFor();
    // The overview shows the command in shell form.
    await page.getByText(`sh -c "trap 'exit 0' TERM; echo hello-from-berth;`, { exact: false }).waitFor();
    await screenshot(page, "workloads-05-running");
    await page.emulateMedia({ colorScheme: "dark" });
    await page.waitForTimeout(400); // let the colour transitions finish
    await screenshot(page, "workloads-06-running-dark");
    await page.emulateMedia({ colorScheme: "light" });
  });

  it("stops it: exited", async () => {
    await page.getByRole("button", { name: `Stop ${NAME}` }).click();
    await statusOf(page).getByText("Exited", { exact: true }).waitFor();
    await statusOf(page).getByText("exit code 0", { exact: false }).waitFor();
    await page.getByRole("button", { name: `Start ${NAME}` }).waitFor();
  });

  it("edits it: the form comes filled from the saved settings, with the volume's host path", async () => {
    await page.getByRole("main").getByRole("link", { name: "Edit" }).click();
    await page.waitForURL(`**/workloads/${workloadId}/edit`);
    await page.getByRole("heading", { level: 1, name: "Edit workload" }).waitFor();
    expect(await page.getByLabel("Command").inputValue()).toBe(COMMAND.join("\n"));
    expect(await page.getByLabel("Restart policy").inputValue()).toBe("no");
    await page.getByRole("group", { name: "Volume 1" }).getByText(dataFolder(), { exact: true }).waitFor();
    await page.getByRole("button", { name: "Add variable" }).click();
    const variable = page.getByRole("group", { name: "Variable 1" });
    await variable.getByLabel("Name").fill("GREETING");
    await variable.getByLabel("Value").fill("hello");
    await screenshot(page, "workloads-07-edit");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.waitForURL(`**/workloads/${workloadId}`);
    await page.getByText("GREETING=hello").waitFor();
    // Saved without redeploying: the container is untouched.
    await statusOf(page).getByText("Exited", { exact: true }).waitFor();
  });

  it("lists it under its project and stage, in English and in Russian", async () => {
    await page.goto("/workloads");
    const card = page.getByRole("region", { name: /^Shop/ });
    const stage = card.getByRole("region", { name: STAGE });
    const row = stage.getByRole("row").filter({ has: page.getByRole("link", { name: NAME }) });
    await row.getByText("Exited", { exact: true }).waitFor();
    await row.getByText(inject("testImage")).waitFor();
    await row.getByText("1 volume", { exact: true }).waitFor();
    await row.getByRole("button", { name: `Start ${NAME}` }).waitFor();
    await screenshot(page, "workloads-08-list");

    await page.getByRole("banner").getByRole("button", { name: "Русский" }).click();
    await page.getByRole("heading", { level: 1, name: "Нагрузки" }).waitFor();
    await page.getByRole("main").getByRole("link", { name: "Новая нагрузка" }).waitFor();
    await page.getByRole("main").getByRole("link", { name: "Проекты и стадии" }).waitFor();
    for (const header of ["Имя", "Состояние", "Образ", "Тома"]) await row.page().getByRole("columnheader", { name: header }).waitFor();
    await row.getByText("Завершена", { exact: true }).waitFor();
    await row.getByText("1 том", { exact: true }).waitFor();
    await row.getByRole("button", { name: `Запустить ${NAME}` }).waitFor();
    await row.getByRole("button", { name: `Развернуть заново ${NAME}` }).waitFor();
    await screenshot(page, "workloads-09-list-russian");

    await row.getByRole("link", { name: NAME }).click();
    await page.getByRole("region", { name: "Журнал" }).waitFor();
    await page.getByRole("columnheader", { name: "Путь в контейнере" }).waitFor();
    await screenshot(page, "workloads-10-detail-russian");
    await page.getByRole("banner").getByRole("button", { name: "English" }).click();
    await page.getByRole("region", { name: "Logs" }).waitFor();
  });

  it("shows a viewer the workload read-only, without host paths", async () => {
    const created = await page.request.post("/api/trpc/user.create", {
      headers: { origin: app.url, "content-type": "application/json" },
      data: { json: { email: "viewer@berth.test", password: "viewer-password-1", role: "VIEWER" } },
    });
    expect(created.status()).toBe(200);
    const viewer = await newContext(browser, app.url);
    try {
      await viewer.addCookies([{ name: "berth-locale", value: "en", url: app.url }]);
      const vpage = await viewer.newPage();
      await signIn(vpage, "viewer@berth.test", "viewer-password-1");
      const row = vpage.getByRole("row").filter({ has: vpage.getByRole("link", { name: NAME }) });
      await row.getByText("Exited", { exact: true }).waitFor();
      expect(await vpage.getByRole("link", { name: "New workload" }).count()).toBe(0);
      expect(await row.getByRole("button").count()).toBe(0);

      await row.getByRole("link", { name: NAME }).click();
      await vpage.getByRole("heading", { level: 1, name: NAME }).waitFor();
      await vpage
        .getByRole("row")
        .filter({ hasText: "/data" })
        .getByText(`<data>/volumes/projects/${PROJECT}/stages/${STAGE}/app`)
        .waitFor();
      await vpage.getByRole("region", { name: "Logs" }).getByText("hello-from-berth").waitFor();
      expect(await vpage.content()).not.toContain(app.dataDir);
      for (const name of [/^Redeploy/, /^Start/, /^Stop/, "Edit", "Delete"]) {
        expect(await vpage.getByRole("main").getByRole("button", { name }).count(), String(name)).toBe(0);
      }
      expect(await vpage.getByRole("link", { name: "Edit" }).count()).toBe(0);
      await screenshot(vpage, "workloads-11-viewer-detail");
    } finally {
      await viewer.close();
    }
  });

  it("explains up front why a project that still has a workload cannot be deleted", async () => {
    await page.goto("/projects");
    const remove = page.getByRole("button", { name: `Delete project ${PROJECT}` });
    expect(await remove.isDisabled()).toBe(true);
    const reason = await remove.getAttribute("aria-describedby");
    expect(await page.locator(`#${reason}`).textContent()).toBe("Cannot be deleted while 1 workload is in it: delete or move it first.");
  });

  it("deletes the workload and, after typing its name, its data", async () => {
    await page.goto(`/workloads/${workloadId}`);
    await page.getByRole("main").getByRole("button", { name: "Delete" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete workload?" });
    await dialog.getByText("The data stays on disk", { exact: false }).waitFor();
    await dialog.getByLabel("Also delete the data").check();
    await dialog.getByText(dataFolder(), { exact: true }).waitFor();
    const confirm: Locator = dialog.getByRole("button", { name: "Delete workload and data" });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel(`Type ${NAME} to confirm`).fill("wrong");
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel(`Type ${NAME} to confirm`).fill(NAME);
    await screenshot(page, "workloads-12-delete");
    await confirm.click();

    await page.waitForURL("**/workloads");
    await page.getByRole("main").getByText("No workloads yet.").waitFor();
    expect(await listWorkloads(page)).toEqual([]);
    await expect(fs.stat(dataFolder())).rejects.toThrow(/ENOENT/);
    await screenshot(page, "workloads-13-deleted");
    await page.goto(`/workloads/${workloadId}`);
    await page.getByText("Workload not found").waitFor();
    expect(browserErrors).toEqual([]);
  });
});
