// Restore in a real browser against a production build and the private Docker engine. A
// workload with a stage folder (in snapshots) and a named volume (not in them) gets a file
// written on the host, a snapshot "v1" (through the API), then the file is changed and
// another one added. As the admin in the browser: the restore dialog says what will happen
// and only enables the button once the label is typed; the restore shows its steps and the
// outcome; the files on disk are the snapshot's again (the added one gone); the history
// lists it; Undo (the same dialog, for the pre-restore snapshot) brings the changed files
// back. Then a second restore while another runs is refused (CONFLICT) in plain words, a
// viewer sees the history without restore or undo buttons, and the history is in Russian.
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type AppServer, startAppServer } from "../support/app-server";
import { deployDataWorkload, launchBrowser, newContext, newEnglishPage, screenshot, signIn } from "../support/browser";

let app: AppServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let workloadId: string;
const browserErrors: string[] = [];

const PROJECT = "blog";
const STAGE = "live";
const NAME = "cms";
const NAMED_VOLUME = "berth-e2e-restore-ui-cache";
// Random (gzip cannot shrink it), so capture and unpacking take long enough to watch.
const BIG_FILE_BYTES = 24 * 1024 * 1024;
const dataFolder = () => path.join(app.dataDir, "volumes", "projects", PROJECT, "stages", STAGE, "data");
const notes = () => path.join(dataFolder(), "notes.txt");
const added = () => path.join(dataFolder(), "added-later.txt");

/** A tRPC call as the signed-in browser (its session cookie; same-origin, as the UI sends it). */
async function trpc<T>(procedure: string, input: unknown, method: "GET" | "POST" = "POST"): Promise<T> {
  const res =
    method === "GET"
      ? await page.request.get(`/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`)
      : await page.request.post(`/api/trpc/${procedure}`, { headers: { origin: app.url }, data: { json: input } });
  const body = (await res.json()) as { result?: { data: { json: T } }; error?: { json?: { data?: { code?: string } } } };
  if (!res.ok()) throw Object.assign(new Error(`${procedure}: ${res.status()} ${JSON.stringify(body.error)}`), { code: body.error?.json?.data?.code });
  return body.result!.data.json;
}

type Run = { id: string; snapshotId: string; preRestoreSnapshotId: string | null; outcome: string | null };
const restoreRuns = () => trpc<Run[]>("snapshot.restoreRuns", { workloadId }, "GET");
const snapshots = () => trpc<{ id: string; label: string; kind: string }[]>("snapshot.list", { workloadId }, "GET");

beforeAll(async () => {
  [app, browser] = await Promise.all([startAppServer(), launchBrowser()]);
  ({ context, page } = await newEnglishPage(browser, app.url, browserErrors));
  await signIn(page, app.admin.email, app.admin.password);

  workloadId = await deployDataWorkload(trpc, { project: PROJECT, stage: STAGE, name: NAME, namedVolume: NAMED_VOLUME, image: inject("testImage") });
  await fs.writeFile(notes(), "version 1: as in the snapshot\n");
  await fs.writeFile(path.join(dataFolder(), "big.bin"), randomBytes(BIG_FILE_BYTES));
  await trpc("snapshot.create", { workloadId, label: "v1" });
  // After the snapshot: a changed file and a new one.
  await fs.writeFile(notes(), "version 2: changed after the snapshot\n");
  await fs.writeFile(added(), "not in the snapshot\n");
});

afterAll(async () => {
  if (process.env.BERTH_TEST_VERBOSE) console.error(app?.logs());
  await context?.close();
  await browser?.close();
  await app?.stop();
});

describe("restore UI", () => {
  const snapshotsPanel = () => page.getByRole("region", { name: "Snapshots", exact: true });
  const history = () => page.getByRole("region", { name: "Restore history" });
  const status = () => page.getByRole("main").getByRole("group", { name: "Status" });

  it("explains the restore and enables it only once the snapshot's label is typed", async () => {
    await page.goto(`/workloads/${workloadId}`);
    await page.getByRole("heading", { level: 1, name: NAME }).waitFor();
    await history().getByText("This workload has not been restored yet.").waitFor();
    await snapshotsPanel().getByRole("row").filter({ hasText: "v1" }).getByRole("button", { name: "Restore snapshot v1" }).click();

    const dialog = page.getByRole("dialog", { name: "Restore snapshot v1?" });
    await dialog.getByText(`The workload's container berth_${PROJECT}_${STAGE}_${NAME} is stopped.`).waitFor();
    await dialog.getByText("A snapshot of the current data is taken first", { exact: false }).waitFor();
    const replaced = dialog.getByRole("listitem").filter({ hasText: "This volume is replaced entirely" });
    await replaced.getByText("/data", { exact: true }).waitFor();
    await replaced.getByText("(2 files, ", { exact: false }).waitFor();
    const kept = dialog.getByRole("listitem").filter({ hasText: "This volume is not in the snapshot and is kept as it is" });
    await kept.getByText("/cache", { exact: true }).waitFor();
    await kept.getByText("(Docker named volume)").waitFor();

    const submit = dialog.getByRole("button", { name: "Restore now" });
    const confirm = dialog.getByLabel("To confirm, type v1");
    expect(await submit.isDisabled()).toBe(true);
    await confirm.fill("v2");
    expect(await submit.isDisabled()).toBe(true);
    await confirm.fill("v1");
    expect(await submit.isDisabled()).toBe(false);
    await screenshot(page, "restore-01-dialog");

    // Cancel leaves everything as it was.
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(await fs.readFile(notes(), "utf8")).toBe("version 2: changed after the snapshot\n");
    expect(await restoreRuns()).toEqual([]);
  });

  it("restores through the dialog: steps while it runs, then the outcome; the files on disk are the snapshot's", async () => {
    await snapshotsPanel().getByRole("button", { name: "Restore snapshot v1" }).click();
    const dialog = page.getByRole("dialog", { name: "Restore snapshot v1?" });
    await dialog.getByLabel("To confirm, type v1").fill("v1");
    await dialog.getByRole("button", { name: "Restore now" }).click();

    // Running: the steps, and a busy button that cannot be pressed again; Esc does not close it.
    const steps = dialog.getByRole("list", { name: "Restore steps" });
    await steps.waitFor();
    const busy = dialog.getByRole("button", { name: "Restoring…" });
    expect(await busy.isDisabled()).toBe(true);
    await page.keyboard.press("Escape");
    // The steps advance past the pre-flight check (the pre-restore snapshot of 24 MB takes a while).
    await steps.locator('[aria-current="step"]').filter({ hasText: /Saving the current data|Unpacking|Swapping|Redeploying/ }).waitFor();
    await steps.getByRole("listitem").filter({ hasText: "Checking the snapshot file (done)" }).waitFor();
    await screenshot(page, "restore-02-progress");
    expect(await dialog.isVisible()).toBe(true);

    await dialog.getByRole("status").filter({ hasText: "Snapshot v1 was restored." }).waitFor({ timeout: 120_000 });
    const outcome = dialog.getByRole("region", { name: "Volumes" });
    await outcome.getByText("Replaced with the snapshot's data:").waitFor();
    await outcome.getByRole("listitem").filter({ hasText: "/data" }).waitFor();
    await outcome.getByText("Kept as they were:").waitFor();
    await outcome.getByRole("listitem").filter({ hasText: "/cache" }).waitFor();
    await dialog.getByText("The data from before is saved as a “Before restore” snapshot", { exact: false }).waitFor();
    expect(await dialog.getByRole("alert").count()).toBe(0);
    await screenshot(page, "restore-03-outcome");

    expect(await fs.readFile(notes(), "utf8")).toBe("version 1: as in the snapshot\n");
    await expect(fs.access(added())).rejects.toMatchObject({ code: "ENOENT" });
    expect((await fs.stat(path.join(dataFolder(), "big.bin"))).size).toBe(BIG_FILE_BYTES);

    await dialog.getByRole("button", { name: "Done" }).click();
    await dialog.waitFor({ state: "detached" });
    await status().getByText("Running", { exact: true }).waitFor();

    // The pre-restore snapshot is listed, and the history has the run.
    const [run] = await restoreRuns();
    expect(run).toMatchObject({ outcome: "succeeded" });
    const pre = (await snapshots()).find((s) => s.id === run!.preRestoreSnapshotId);
    expect(pre).toMatchObject({ kind: "pre-restore", label: "before restoring v1" });
    await snapshotsPanel().getByRole("row").filter({ hasText: "before restoring v1" }).getByText("Before restore", { exact: true }).waitFor();
    const row = history().getByRole("row").filter({ hasText: "Succeeded" });
    await row.getByRole("cell", { name: "v1", exact: true }).waitFor();
    await row.getByText(app.admin.email).waitFor();
    await row.getByRole("button", { name: "Undo the restore of v1" }).waitFor();
    await screenshot(page, "restore-04-history");
    // The panel did not report this tab's own restore as one "started elsewhere".
    expect(await snapshotsPanel().getByText("started elsewhere", { exact: false }).count()).toBe(0);
  });

  it("undoes it with one click on the history: the same dialog, for the pre-restore snapshot", async () => {
    await history().getByRole("button", { name: "Undo the restore of v1" }).click();
    const dialog = page.getByRole("dialog", { name: "Undo this restore?" });
    await dialog.getByText(`The data of ${NAME} goes back to snapshot before restoring v1`, { exact: false }).waitFor();
    const submit = dialog.getByRole("button", { name: "Undo restore" });
    expect(await submit.isDisabled()).toBe(true);
    await dialog.getByLabel("To confirm, type before restoring v1").fill("before restoring v1");
    await screenshot(page, "restore-05-undo-dialog");
    await submit.click();
    await dialog.getByRole("status").filter({ hasText: "The restore was undone: snapshot before restoring v1 was restored." }).waitFor({ timeout: 120_000 });
    await dialog.getByRole("button", { name: "Done" }).click();
    await dialog.waitFor({ state: "detached" });

    expect(await fs.readFile(notes(), "utf8")).toBe("version 2: changed after the snapshot\n");
    expect(await fs.readFile(added(), "utf8")).toBe("not in the snapshot\n");
    const runs = await restoreRuns();
    expect(runs.map((r) => r.outcome)).toEqual(["succeeded", "succeeded"]);
    await history().getByRole("row").filter({ hasText: "Succeeded" }).nth(1).waitFor();
    await history().getByRole("button", { name: "Undo the restore of before restoring v1" }).waitFor();
    await status().getByText("Running", { exact: true }).waitFor();
    await screenshot(page, "restore-06-history-after-undo");
  });

  it("says plainly that a restore is already running when another one is in flight (CONFLICT)", async () => {
    const v1 = (await snapshots()).find((s) => s.label === "v1")!;
    await snapshotsPanel().getByRole("button", { name: "Restore snapshot v1" }).click();
    const dialog = page.getByRole("dialog", { name: "Restore snapshot v1?" });
    await dialog.getByLabel("To confirm, type v1").fill("v1");

    // Another client starts a restore of the same workload; once its run exists, it holds the workload.
    const before = (await restoreRuns()).length;
    const other = trpc("snapshot.restore", { workloadId, snapshotId: v1.id, confirm: v1.id });
    other.catch(() => {});
    for (let i = 0; (await restoreRuns()).length === before; i++) {
      expect(i, "the other restore did not start").toBeLessThan(200);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await restoreRuns())[0]!.outcome).toBeNull();
    await dialog.getByRole("button", { name: "Restore now" }).click();
    await dialog
      .getByRole("alert")
      .filter({ hasText: "Another restore of this workload is already running. Wait until it has finished" })
      .waitFor();
    await screenshot(page, "restore-07-conflict");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });

    await other;
    expect(await fs.readFile(notes(), "utf8")).toBe("version 1: as in the snapshot\n");
    // The other client's restore shows in the history once it is over.
    await history().getByRole("row").filter({ hasText: "Succeeded" }).nth(2).waitFor({ timeout: 30_000 });
  });

  it("shows a viewer the history without restore or undo buttons", async () => {
    await trpc("user.create", { email: "viewer@berth.test", password: "viewer-password-1", role: "VIEWER" });
    const viewer = await newContext(browser, app.url);
    try {
      await viewer.addCookies([{ name: "berth-locale", value: "en", url: app.url }]);
      const vpage = await viewer.newPage();
      await signIn(vpage, "viewer@berth.test", "viewer-password-1");
      await vpage.goto(`/workloads/${workloadId}`);
      const vhistory = vpage.getByRole("region", { name: "Restore history" });
      await vhistory.getByRole("row").filter({ hasText: "Succeeded" }).nth(2).waitFor();
      expect(await vpage.getByRole("button", { name: /^(Restore|Undo)/ }).count()).toBe(0);
    } finally {
      await viewer.close();
    }
  });

  it("shows the restore history in Russian", async () => {
    await page.getByRole("banner").getByRole("button", { name: "Русский" }).click();
    const ru = page.getByRole("region", { name: "История восстановлений" });
    for (const header of ["Начато", "Снимок", "Кто", "Результат", "Длительность"]) await ru.getByRole("columnheader", { name: header }).waitFor();
    await ru.getByRole("row").filter({ hasText: "Выполнено" }).first().waitFor();
    await ru.getByRole("button", { name: "Отменить восстановление снимка v1" }).first().waitFor();
    await page.getByRole("region", { name: "Снимки", exact: true }).getByRole("button", { name: "Восстановить снимок v1" }).click();
    const dialog = page.getByRole("dialog", { name: "Восстановить снимок v1?" });
    await dialog.getByLabel("Для подтверждения введите v1").waitFor();
    await screenshot(page, "restore-08-russian");
    await dialog.getByRole("button", { name: "Отмена" }).click();
    await page.getByRole("banner").getByRole("button", { name: "English" }).click();
    await page.getByRole("region", { name: "Restore history" }).waitFor();
    expect(browserErrors).toEqual([]);
  });

  it("names the other workloads that share the restored folder, before the admin confirms", async () => {
    const project = await trpc<{ id: string }>("project.create", { slug: "shared-e2e" });
    const stage = await trpc<{ id: string }>("stage.create", { projectId: project.id, slug: "prod" });
    const make = (name: string) =>
      trpc<{ id: string }>("workload.create", {
        projectId: project.id,
        stageId: stage.id,
        name,
        image: inject("testImage"),
        command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"],
        volumes: [{ target: "/data", scope: "project", source: "uploads" }],
      });
    const [web, worker] = [await make("web"), await make("worker")];
    for (const w of [web, worker]) await trpc("workload.deploy", { id: w.id });
    await trpc("snapshot.create", { workloadId: web.id, label: "shared-v1" });
    await page.goto(`/workloads/${web.id}`);
    await snapshotsPanel().getByRole("row").filter({ hasText: "shared-v1" }).getByRole("button", { name: "Restore snapshot shared-v1" }).click();
    const dialog = page.getByRole("dialog", { name: "Restore snapshot shared-v1?" });
    const shared = dialog.getByTestId("restore-shared-with");
    await shared.getByText("This other workload mounts the same data and is stopped too", { exact: false }).waitFor();
    await shared.getByText("shared-e2e/prod/worker", { exact: true }).waitFor();
    await screenshot(page, "restore-09-shared-with");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
  });
});
