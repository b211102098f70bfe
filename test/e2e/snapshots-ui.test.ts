// Snapshots in a real browser against a production build and the private Docker engine.
// The workload is set up through the tRPC API with an admin token (fast); then, as the
// admin in the browser: the coverage panel (the stage folder covered, the named volume
// skipped with its reason), a live snapshot with a label (progress, outcome, size, the
// "taken while running" badge, the skipped symlink), a quiesced one, the download link
// (a gzip file), importing that file back (upload, match report, listed as imported),
// delete with confirmation (and the note when the file was already gone), the Snapshots
// page with the total per workload, a viewer's read-only view, and the panels in Russian.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { scaleBytes } from "~/components/snapshots/options";
import { type AppServer, startAppServer } from "../support/app-server";
import { deployDataWorkload, launchBrowser, newContext, newEnglishPage, screenshot, signIn } from "../support/browser";

let app: AppServer;
let browser: Browser;
let token: string;
let workloadId: string;
let downloadDir: string;

const PROJECT = "shop";
const STAGE = "production";
const NAME = "db";
const NAMED_VOLUME = "berth-e2e-snapshots-ui-cache";
// Big enough (random, so gzip has to work) for the progress bar to be on screen a while.
const BIG_FILE_BYTES = 48 * 1024 * 1024;
const dataFolder = () => path.join(app.dataDir, "volumes", "projects", PROJECT, "stages", STAGE, "data");

async function trpc<T>(procedure: string, input?: unknown): Promise<T> {
  const res = await fetch(`${app.url}/api/trpc/${procedure}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ json: input }),
  });
  const body = (await res.json()) as { result?: { data: { json: T } }; error?: unknown };
  if (!res.ok) throw new Error(`${procedure}: ${res.status} ${JSON.stringify(body.error)}`);
  return body.result!.data.json;
}

async function listSnapshots(): Promise<{ id: string; label: string; kind: string; size: string | number }[]> {
  const input = encodeURIComponent(JSON.stringify({ json: { workloadId } }));
  const res = await fetch(`${app.url}/api/trpc/snapshot.list?input=${input}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { result: { data: { json: { id: string; label: string; kind: string; size: string | number }[] } } }).result
    .data.json;
}

/** The size as the UI writes it in English (same SI scaling, Intl unit formatting). */
function formatBytes(bytes: number): string {
  const { value, unit, fractionDigits } = scaleBytes(bytes);
  return new Intl.NumberFormat("en", { style: "unit", unit, unitDisplay: "short", maximumFractionDigits: fractionDigits }).format(value);
}

beforeAll(async () => {
  [app, browser] = await Promise.all([startAppServer(), launchBrowser()]);
  downloadDir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-downloads-"));
  token = execFileSync(path.resolve("bin/berth.mjs"), ["token", "create", "--name", "e2e-snapshots-ui", "--role", "admin"], {
    env: { ...process.env, BERTH_DATA_DIR: app.dataDir, DATABASE_URL: "" },
    encoding: "utf8",
  }).trim();
  workloadId = await deployDataWorkload(trpc, {
    project: PROJECT,
    stage: STAGE,
    name: NAME,
    namedVolume: NAMED_VOLUME,
    image: inject("testImage"),
  });
  await fs.writeFile(path.join(dataFolder(), "notes.txt"), "written before the snapshot\n");
  await fs.writeFile(path.join(dataFolder(), "big.bin"), randomBytes(BIG_FILE_BYTES));
  // Links are archived as links (format 2); a named pipe never is: the snapshot lists it as skipped.
  await fs.symlink("notes.txt", path.join(dataFolder(), "link-to-notes"));
  execFileSync("mkfifo", [path.join(dataFolder(), "queue.fifo")]);
});

afterAll(async () => {
  if (process.env.BERTH_TEST_VERBOSE) console.error(app?.logs());
  await browser?.close();
  await app?.stop();
  if (downloadDir) await fs.rm(downloadDir, { recursive: true, force: true });
});

describe("snapshots UI", () => {
  let context: BrowserContext;
  let page: Page;
  let downloaded = "";
  const browserErrors: string[] = [];
  const panel = () => page.getByRole("region", { name: "Snapshots", exact: true });
  const rowOf = (label: string) => panel().getByRole("row").filter({ hasText: label });

  beforeAll(async () => {
    ({ context, page } = await newEnglishPage(browser, app.url, browserErrors));
  });
  afterAll(() => context?.close());

  it("shows what a snapshot covers: the stage folder, and the named volume skipped with its reason", async () => {
    await signIn(page, app.admin.email, app.admin.password);
    await page.goto(`/workloads/${workloadId}`);
    await page.getByRole("heading", { level: 1, name: NAME }).waitFor();
    const coverage = page.getByRole("region", { name: "Snapshot coverage" });
    await coverage.getByRole("heading", { name: "Included in snapshots: 1 volume" }).waitFor();
    const covered = coverage.getByRole("row").filter({ hasText: "/data" });
    await covered.getByText("Stage folder").waitFor();
    const skipped = coverage.getByRole("group", { name: "Not included in snapshots: 1 volume" });
    await skipped.getByText("/cache", { exact: true }).waitFor();
    await skipped.getByText("Docker named volume: Docker manages its data, and snapshots do not include it.", { exact: false }).waitFor();
    // No host paths in the coverage (they are in the admin-only volumes table above).
    expect(await coverage.textContent()).not.toContain(app.dataDir);
    await panel().getByText("No snapshots of this workload yet.", { exact: false }).waitFor();
    await screenshot(page, "snapshots-01-coverage");
  });

  it("takes a live snapshot with a label: progress, then the outcome and the row with its size", async () => {
    await panel().getByRole("button", { name: "Take snapshot" }).click();
    const dialog = page.getByRole("dialog", { name: "Take a snapshot" });
    await dialog.getByLabel("Label (optional)").fill("before-upgrade");
    expect(await dialog.getByLabel("Label (optional)").getAttribute("maxlength")).toBe("100");
    expect(await dialog.getByLabel("Stop containers during capture").isChecked()).toBe(false);
    await screenshot(page, "snapshots-02-take-dialog");
    await dialog.getByRole("button", { name: "Take snapshot" }).click();
    await dialog.waitFor({ state: "detached" });

    // While it runs: the button is busy (no double submit) and the bar shows the capture.
    await panel().getByRole("button", { name: "Taking snapshot…" }).waitFor();
    expect(await panel().getByRole("button", { name: "Taking snapshot…" }).isDisabled()).toBe(true);
    await panel().getByRole("progressbar", { name: "Taking a snapshot" }).waitFor();
    await panel().locator('[role="progressbar"][aria-valuenow]').waitFor({ timeout: 10_000 });
    await screenshot(page, "snapshots-03-progress");

    await panel().getByRole("status").filter({ hasText: "Snapshot before-upgrade saved" }).waitFor({ timeout: 60_000 });
    await panel().getByText("It was taken while the workload was running.").waitFor();
    await panel().getByRole("progressbar").waitFor({ state: "detached" });

    const [snap] = await listSnapshots();
    expect(snap).toMatchObject({ label: "before-upgrade", kind: "manual" });
    const row = rowOf("before-upgrade");
    await row.getByText("Manual", { exact: true }).waitFor();
    await row.getByText(formatBytes(Number(snap!.size)), { exact: true }).waitFor();
    await row.getByText("Taken while running", { exact: true }).waitFor();
    await row.getByText("/data", { exact: true }).waitFor();
    await row.getByText(app.admin.email, { exact: false }).waitFor();

    // The named pipe was left out, and the row says so; the symlink was kept.
    await row.getByRole("button", { name: "Show the 1 skipped entry of before-upgrade" }).click();
    const skipped = page.getByRole("dialog", { name: "Not in snapshot before-upgrade" });
    const entry = skipped.getByRole("row").filter({ hasText: "queue.fifo" });
    await entry.getByText("Named pipe (FIFO)").waitFor();
    expect(await skipped.getByRole("row").filter({ hasText: "link-to-notes" }).count()).toBe(0);
    await entry.getByText("/data", { exact: true }).waitFor();
    await screenshot(page, "snapshots-04-skipped-entries");
    await skipped.getByRole("button", { name: "Close" }).first().click();
    await skipped.waitFor({ state: "detached" });
    await screenshot(page, "snapshots-05-taken");
  });

  it("takes a quiesced snapshot: not marked as taken while running, and the container runs again", async () => {
    await panel().getByRole("button", { name: "Take snapshot" }).click();
    const dialog = page.getByRole("dialog", { name: "Take a snapshot" });
    await dialog.getByLabel("Label (optional)").fill("quiesced");
    await dialog.getByLabel("Stop containers during capture").check();
    await dialog.getByRole("button", { name: "Take snapshot" }).click();
    await panel().getByRole("status").filter({ hasText: "Snapshot quiesced saved" }).waitFor({ timeout: 60_000 });
    expect(await panel().getByText("It was taken while the workload was running.").count()).toBe(0);
    const row = rowOf("quiesced");
    await row.getByText("Manual", { exact: true }).waitFor();
    expect(await row.getByText("Taken while running").count()).toBe(0);
    await page.getByRole("main").getByRole("group", { name: "Status" }).getByText("Running", { exact: true }).waitFor();
  });

  it("downloads a snapshot through its link: a gzip file", async () => {
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      rowOf("before-upgrade").getByRole("link", { name: "Download snapshot before-upgrade" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${NAME}-before-upgrade.tar.gz`);
    downloaded = path.join(downloadDir, download.suggestedFilename());
    await download.saveAs(downloaded);
    const bytes = await fs.readFile(downloaded);
    expect(bytes.length).toBeGreaterThan(BIG_FILE_BYTES / 2);
    expect([...bytes.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    const [snap] = (await listSnapshots()).filter((s) => s.label === "before-upgrade");
    expect(bytes.length).toBe(Number(snap!.size));
  });

  it("imports by upload: a refused file inline, a cancelled upload, then the downloaded file with the match report", async () => {
    const before = (await listSnapshots()).length;
    await panel().getByRole("button", { name: "Import…" }).click();
    const dialog = page.getByRole("dialog", { name: "Import a snapshot" });
    const submit = dialog.getByRole("button", { name: "Upload and import" });
    expect(await submit.isDisabled()).toBe(true);

    // The server's refusal shows in the dialog, and nothing is stored.
    await dialog
      .getByLabel("Archive file")
      .setInputFiles({ name: "notes.tar.gz", mimeType: "application/gzip", buffer: Buffer.from("not an archive") });
    await submit.click();
    await dialog
      .getByRole("alert")
      .filter({ hasText: /not a gzip archive/i })
      .waitFor();

    // A loopback upload is instant: throttle it (Chromium's network emulation) to watch the bar, then cancel.
    await dialog.getByLabel("Label (optional)").fill("re-imported");
    await dialog.getByLabel("Archive file").setInputFiles(downloaded);
    await dialog.getByText(`${path.basename(downloaded)}, `, { exact: false }).waitFor();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 16 * 1024 * 1024,
    });
    try {
      await submit.click();
      await dialog.getByRole("progressbar", { name: "Uploading…" }).locator("[style]").waitFor();
      expect(await dialog.getByRole("button", { name: "Importing…" }).isDisabled()).toBe(true);
      expect(await dialog.getByLabel("Archive file").isDisabled()).toBe(true);
      await screenshot(page, "snapshots-06-uploading");
      await dialog.getByRole("button", { name: "Cancel upload" }).click();
      await dialog.getByRole("alert").filter({ hasText: "The upload was cancelled; nothing was stored." }).waitFor();
    } finally {
      await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await cdp.detach();
    }
    expect((await listSnapshots()).length).toBe(before);

    await submit.click();
    await dialog.getByRole("status").filter({ hasText: "Imported as re-imported" }).waitFor({ timeout: 60_000 });
    const report = dialog.getByRole("region", { name: "Volumes in the archive" });
    await report.getByText("1 volume matches this workload's current volumes:").waitFor();
    await report.getByText("/data", { exact: true }).waitFor();
    expect(await report.getByText("not among this workload's current volumes", { exact: false }).count()).toBe(0);
    await screenshot(page, "snapshots-07-imported");
    await dialog.getByRole("button", { name: "Done" }).click();
    await dialog.waitFor({ state: "detached" });

    const row = rowOf("re-imported");
    await row.getByText("Imported", { exact: true }).waitFor();
    const imported = (await listSnapshots()).find((s) => s.label === "re-imported");
    expect(imported).toMatchObject({ kind: "imported" });
    expect((await listSnapshots()).length).toBe(before + 1);
    await row.getByText(formatBytes(Number(imported!.size)), { exact: true }).waitFor();
  });

  it("deletes a snapshot after confirmation, and says so when its file was already gone", async () => {
    const quiesced = (await listSnapshots()).find((s) => s.label === "quiesced")!;
    await fs.rm(path.join(app.dataDir, "snapshots", workloadId, `${quiesced.id}.tar.gz`));

    await rowOf("quiesced").getByRole("button", { name: "Delete snapshot quiesced" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete snapshot?" });
    await dialog.getByText("The archive quiesced (", { exact: false }).waitFor();
    await screenshot(page, "snapshots-08-delete-confirm");
    // Cancel first: nothing happens.
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });
    expect((await listSnapshots()).map((s) => s.label)).toContain("quiesced");

    await rowOf("quiesced").getByRole("button", { name: "Delete snapshot quiesced" }).click();
    await dialog.getByRole("button", { name: "Delete snapshot" }).click();
    await dialog.waitFor({ state: "detached" });
    await panel()
      .getByRole("status")
      .filter({ hasText: "Snapshot quiesced deleted. Its archive file was already missing from the server" })
      .waitFor();
    await rowOf("quiesced").waitFor({ state: "detached" });
    expect((await listSnapshots()).map((s) => s.label).sort()).toEqual(["before-upgrade", "re-imported"]);
    await screenshot(page, "snapshots-09-deleted");
  });

  it("lists every workload's snapshots on the Snapshots page, with the total size per workload", async () => {
    const snapshots = await listSnapshots();
    const total = snapshots.reduce((sum, s) => sum + Number(s.size), 0);
    await page.getByRole("banner").getByRole("link", { name: "Snapshots" }).click();
    await page.waitForURL("**/snapshots");
    await page.getByRole("heading", { level: 1, name: "Snapshots" }).waitFor();
    await page.getByText(`2 snapshots of 1 workload, ${formatBytes(total)} in total.`).waitFor();
    const group = page.getByRole("region", { name: NAME, exact: true });
    await group.getByText(`${PROJECT} / ${STAGE}`).waitFor();
    await group.getByText(`2 snapshots, ${formatBytes(total)} in total`).waitFor();
    await group.getByRole("row").filter({ hasText: "re-imported" }).getByText("Imported", { exact: true }).waitFor();
    await group
      .getByRole("row")
      .filter({ hasText: "before-upgrade" })
      .getByRole("link", { name: "Download snapshot before-upgrade" })
      .waitFor();
    await screenshot(page, "snapshots-10-page");
    await group.getByRole("link", { name: NAME }).click();
    await page.waitForURL(`**/workloads/${workloadId}`);
  });

  it("shows a viewer the coverage and the list, without admin actions or download links", async () => {
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
      await vpage.goto(`/workloads/${workloadId}`);
      await vpage.getByRole("region", { name: "Snapshot coverage" }).getByText("/cache", { exact: true }).waitFor();
      const vpanel = vpage.getByRole("region", { name: "Snapshots", exact: true });
      await vpanel.getByRole("row").filter({ hasText: "re-imported" }).getByText("Imported", { exact: true }).waitFor();
      for (const name of ["Take snapshot", "Import…", /^Delete/, /^Restore/])
        expect(await vpanel.getByRole("button", { name }).count(), String(name)).toBe(0);
      expect(await vpanel.getByRole("link", { name: /^Download/ }).count()).toBe(0);
      await screenshot(vpage, "snapshots-11-viewer");
    } finally {
      await viewer.close();
    }
  });

  it("shows the snapshot panels in Russian", async () => {
    await page.getByRole("banner").getByRole("button", { name: "Русский" }).click();
    const coverage = page.getByRole("region", { name: "Охват снимков" });
    await coverage.getByRole("heading", { name: "Входит в снимки: 1 том" }).waitFor();
    await coverage.getByText("Именованный том Docker: его данными управляет Docker", { exact: false }).waitFor();
    const ru = page.getByRole("region", { name: "Снимки", exact: true });
    await ru.getByRole("button", { name: "Сделать снимок" }).waitFor();
    await ru.getByRole("button", { name: "Импорт…" }).waitFor();
    for (const header of ["Метка", "Тип", "Размер", "Создан", "Автор", "Примечания"])
      await ru.getByRole("columnheader", { name: header }).waitFor();
    await ru.getByRole("row").filter({ hasText: "re-imported" }).getByText("Импортирован", { exact: true }).waitFor();
    await ru.getByRole("row").filter({ hasText: "before-upgrade" }).getByText("Снят на работающей нагрузке").waitFor();
    await ru.getByRole("button", { name: "Показать пропущенные элементы снимка before-upgrade (1 элемент)" }).waitFor();
    await ru.getByRole("link", { name: "Скачать снимок before-upgrade" }).waitFor();
    await screenshot(page, "snapshots-12-russian");
    await page.getByRole("banner").getByRole("button", { name: "English" }).click();
    await page.getByRole("region", { name: "Snapshot coverage" }).waitFor();
    expect(browserErrors).toEqual([]);
  });
});
