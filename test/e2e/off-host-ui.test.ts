// Off-host copies, verification and test restores in a real browser against a production
// build and the private Docker engine. A workload with a stage folder and a storage target
// (a LOCAL folder in a temporary directory) are made through the API; then, as the admin on
// the workload page: the copy policy is set with its checkbox, a snapshot taken in the UI is
// copied to the folder and shows as verified (the file there has the snapshot's sha256);
// Verify passes and says so; a test restore with a check command that reads the restored file
// passes and shows that file's text as its output, one whose command fails ends failed with
// exit code 1 after its check timeout; the dashboard shows the last verification and test
// restore; a snapshot deleted here is fetched back from its copy. A viewer sees the copies and
// the test restores without any action, and the page is in Russian too. The snapshot row's
// buttons stay on one line at 1440 px.
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type AppServer, startAppServer } from "../support/app-server";
import { launchBrowser, newContext, newEnglishPage, screenshot, signIn } from "../support/browser";
import { createApiToken, createDataWorkload, trpcHttp } from "../support/trpc-http";

let app: AppServer;
let browser: Browser;
let api: ReturnType<typeof trpcHttp>;
let workloadId: string;
let targetDir: string;
let targetId: string;

const PROJECT = "vault";
const NAME = "accounts";
const LABEL = "offsite-1";
const FILE_TEXT = "balance: 42";
const VIEWER = { email: "viewer@berth.test", password: "viewer-password-1" };
// A copy of a small snapshot is queued at once; a failing check command is retried for
// BERTH_TEST_RESTORE_CHECK_SECONDS (15 here, 90 by default) before it fails.
const COPY_TIMEOUT_MS = 60_000;
const FAILED_CHECK_TIMEOUT_MS = 60_000;

type SnapshotRow = { id: string; label: string; sha256: string; verifyOutcome: string | null };
type CopyRow = { id: string; snapshotId: string; state: string };
type TestRestoreRow = { id: string; outcome: string | null; exitCode: number | null; output: string; command: string | null };

const listSnapshots = () => api.query<SnapshotRow[]>("snapshot.list", { workloadId });
const listCopies = () => api.query<CopyRow[]>("snapshot.copies", { workloadId });
const sha256Of = async (file: string) =>
  createHash("sha256")
    .update(await fs.readFile(file))
    .digest("hex");

beforeAll(async () => {
  // No scheduled verification: every verification in this test is the one the Verify button asks for.
  [app, browser] = await Promise.all([
    startAppServer({ BERTH_VERIFY_INTERVAL_HOURS: "0", BERTH_TEST_RESTORE_CHECK_SECONDS: "15" }),
    launchBrowser(),
  ]);
  api = trpcHttp(app.url, createApiToken(app.dataDir, "admin"));
  workloadId = await createDataWorkload(api.mutate, { project: PROJECT, name: NAME, source: "data", image: inject("testImage") });
  await api.mutate("workload.deploy", { id: workloadId });
  const folder = path.join(app.dataDir, "volumes", "projects", PROJECT, "stages", "production", "data");
  await fs.mkdir(folder, { recursive: true });
  await fs.writeFile(path.join(folder, "app.db"), `${FILE_TEXT}\n`);
  await api.mutate("user.create", { ...VIEWER, role: "VIEWER" });
  // The settings screen for targets is tested elsewhere: this one is made through the API.
  targetDir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-offhost-target-"));
  ({ id: targetId } = await api.mutate<{ id: string }>("storageTarget.create", { kind: "local", name: "nas-share", folder: targetDir }));
});

afterAll(async () => {
  if (process.env.BERTH_TEST_VERBOSE) console.error(app?.logs());
  await browser?.close();
  await app?.stop();
  if (targetDir) await fs.rm(targetDir, { recursive: true, force: true });
});

describe("off-host copies, verification and test restores", () => {
  let context: BrowserContext;
  let page: Page;
  const browserErrors: string[] = [];
  const offHost = () => page.getByTestId("off-host-panel");
  const snapshotsPanel = () => page.getByRole("region", { name: "Snapshots", exact: true });
  const snapshotRow = () => snapshotsPanel().getByRole("row").filter({ hasText: LABEL });
  const testRestores = () => page.getByTestId("test-restores-panel");
  let snapshot: SnapshotRow;
  const openTestRestore = async () => {
    await snapshotRow()
      .getByRole("button", { name: `Check snapshot ${LABEL}` })
      .click();
    const menu = page.getByRole("menu", { name: `Checks of snapshot ${LABEL}` });
    // The menu opens on its first item; the arrow keys move down to "Test restore…".
    await menu.getByRole("menuitem", { name: "Verify now" }).and(page.locator(":focus")).waitFor();
    await page.keyboard.press("ArrowDown");
    await menu.getByRole("menuitem", { name: "Test restore…" }).and(page.locator(":focus")).waitFor();
    await page.keyboard.press("Enter");
    await menu.waitFor({ state: "hidden" });
  };

  beforeAll(async () => {
    ({ context, page } = await newEnglishPage(browser, app.url, browserErrors));
    await page.setViewportSize({ width: 1440, height: 900 });
    await signIn(page, app.admin.email, app.admin.password);
  });
  afterAll(() => context?.close());

  it("sets the copy policy with a checkbox; a snapshot taken then is copied and verified", async () => {
    await page.goto(`/workloads/${workloadId}`);
    await offHost().getByRole("heading", { name: "Off-host copies" }).waitFor();
    await offHost().getByText("No copies yet.").waitFor();
    const box = offHost().getByLabel("nas-share");
    expect(await box.isChecked()).toBe(false);
    const save = offHost().getByRole("button", { name: "Save targets" });
    expect(await save.isDisabled()).toBe(true);
    await box.check();
    await save.click();
    await offHost().getByRole("status").filter({ hasText: "Copy targets saved." }).waitFor();
    expect(await api.query("storageTarget.copyPolicy", { workloadId })).toEqual({ targetIds: [targetId] });
    await screenshot(page, "offhost-01-policy");

    await snapshotsPanel().getByRole("button", { name: "Take snapshot" }).click();
    const dialog = page.getByRole("dialog", { name: "Take a snapshot" });
    await dialog.getByLabel("Label (optional)").fill(LABEL);
    await dialog.getByRole("button", { name: "Take snapshot" }).click();
    await snapshotsPanel()
      .getByRole("status")
      .filter({ hasText: `Snapshot ${LABEL} saved` })
      .waitFor({ timeout: COPY_TIMEOUT_MS });

    // The copy appears, is written and re-read by itself, and the page follows without a reload.
    const copyRow = offHost().locator('[data-testid^="copy-row-"]');
    await offHost().locator('[data-testid^="copy-row-"][data-state="verified"]').waitFor({ timeout: COPY_TIMEOUT_MS });
    await copyRow.getByText(LABEL, { exact: true }).waitFor();
    await copyRow.getByText("nas-share", { exact: true }).waitFor();
    await copyRow.getByText("Verified", { exact: true }).waitFor();
    [snapshot] = (await listSnapshots()).filter((s) => s.label === LABEL) as [SnapshotRow];
    const [copy] = await listCopies();
    expect(copy).toMatchObject({ snapshotId: snapshot.id, state: "verified" });
    // The target holds the archive itself, byte for byte.
    expect(await sha256Of(path.join(targetDir, `${snapshot.id}.tar.gz`))).toBe(snapshot.sha256);
    // The snapshot's row counts its copies; it was never verified by itself yet.
    await snapshotRow().getByTestId("copies-badge").getByText("1 of 1 copy verified").waitFor();
    expect(await snapshotRow().getByTestId("verification-badge").count()).toBe(0);
    // A verified copy needs no action.
    expect(await copyRow.getByRole("button").count()).toBe(0);
    await screenshot(page, "offhost-02-copied");
  });

  it("keeps the snapshot row's buttons on one line at 1440 px", async () => {
    const buttons = snapshotRow().getByRole("cell").last().locator("button:visible, a:visible");
    const tops = await buttons.evaluateAll((els) => els.map((el) => Math.round(el.getBoundingClientRect().top)));
    // Restore, Check, Pin, Download, Delete
    expect(tops).toHaveLength(5);
    expect(new Set(tops).size).toBe(1);
    // ...and the table fits its card: nothing to scroll sideways.
    const overflow = await snapshotsPanel()
      .locator("table")
      .evaluate((table) => table.parentElement!.scrollWidth - table.parentElement!.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });

  it("verifies the snapshot and its copy on request", async () => {
    const check = snapshotRow().getByRole("button", { name: `Check snapshot ${LABEL}` });
    await check.click();
    const menu = page.getByRole("menu", { name: `Checks of snapshot ${LABEL}` });
    await menu.waitFor();
    await expect.poll(() => check.getAttribute("aria-expanded")).toBe("true");
    // Escape closes the menu and gives focus back to its button.
    await page.keyboard.press("Escape");
    await menu.waitFor({ state: "hidden" });
    await check.and(page.locator(":focus")).waitFor();
    await expect.poll(() => check.getAttribute("aria-expanded")).toBe("false");
    await check.click();
    await screenshot(page, "offhost-03-checks-menu");
    await menu.getByRole("menuitem", { name: "Verify now" }).click();
    const notice = snapshotsPanel().getByTestId("verify-notice");
    await notice.waitFor({ timeout: COPY_TIMEOUT_MS });
    expect(await notice.getAttribute("data-outcome")).toBe("passed");
    await notice.getByText(`${LABEL} verified: the file matches its sha256 and every entry reads. 1 of 1 copy verified.`).waitFor();
    await snapshotRow().getByTestId("verification-badge").getByText("Verified", { exact: false }).waitFor();
    expect((await listSnapshots()).find((s) => s.id === snapshot.id)?.verifyOutcome).toBe("passed");
    await screenshot(page, "offhost-04-verified");
  });

  it("runs a test restore whose check reads the restored file: passed, with its output", async () => {
    await testRestores().getByText("No test restores yet.").waitFor();
    await openTestRestore();
    const dialog = page.getByRole("dialog", { name: `Test restore of ${LABEL}` });
    const command = dialog.getByLabel("Check command (optional)");
    expect(await command.getAttribute("maxlength")).toBe("500");
    // An example fills the field; the test's own command replaces it.
    await dialog.getByRole("button", { name: "Use the example test -f /data/app.db" }).click();
    expect(await command.inputValue()).toBe("test -f /data/app.db");
    await command.fill("test -f /data/app.db && cat /data/app.db");
    await dialog.getByRole("button", { name: "Run test restore" }).click();

    const result = dialog.getByTestId("test-restore-result");
    await result.waitFor({ timeout: COPY_TIMEOUT_MS });
    expect(await result.getAttribute("data-outcome")).toBe("passed");
    await result.getByText("Test restore passed.").waitFor();
    await result.getByText("Exit code 0").waitFor();
    await dialog.locator("pre").getByText(FILE_TEXT).waitFor();
    await screenshot(page, "offhost-05-test-restore-passed");
    await dialog.getByRole("button", { name: "Close" }).first().click();
    await dialog.waitFor({ state: "detached" });

    const [run] = await api.query<TestRestoreRow[]>("snapshot.testRestores", { workloadId });
    expect(run).toMatchObject({ outcome: "passed", exitCode: 0, command: "test -f /data/app.db && cat /data/app.db" });
    expect(run!.output).toContain(FILE_TEXT);
    const row = testRestores().getByTestId(`test-restore-row-${run!.id}`);
    await row.getByText("Passed", { exact: true }).waitFor();
    await row.getByText("test -f /data/app.db && cat /data/app.db").waitFor();
    expect(await row.locator("pre").isVisible()).toBe(false);
    await row.getByText("Show output").click();
    await row.locator("pre").getByText(FILE_TEXT).waitFor();
  });

  it("runs a test restore whose check fails: progress while it retries, then failed with exit code 1", async () => {
    await openTestRestore();
    const dialog = page.getByRole("dialog", { name: `Test restore of ${LABEL}` });
    await dialog.getByLabel("Check command (optional)").fill("test -f /data/missing.db");
    await dialog.getByRole("button", { name: "Run test restore" }).click();
    // The check is retried every second until its timeout: the dialog shows where it is.
    await dialog.getByRole("status").filter({ hasText: "Test restore · Running the check" }).waitFor({ timeout: COPY_TIMEOUT_MS });
    expect(await dialog.getByRole("button", { name: "Running…" }).isDisabled()).toBe(true);
    await screenshot(page, "offhost-06-test-restore-running");

    const result = dialog.getByTestId("test-restore-result");
    await result.waitFor({ timeout: FAILED_CHECK_TIMEOUT_MS });
    expect(await result.getAttribute("data-outcome")).toBe("failed");
    await result.getByText("Test restore failed.").waitFor();
    await result.getByText("Exit code 1", { exact: true }).waitFor();
    await result.getByText("The check command failed (exit code 1).").waitFor();
    await screenshot(page, "offhost-07-test-restore-failed");
    await dialog.getByRole("button", { name: "Close" }).first().click();
    await dialog.waitFor({ state: "detached" });

    const runs = await api.query<TestRestoreRow[]>("snapshot.testRestores", { workloadId });
    expect(runs.map((r) => [r.outcome, r.exitCode])).toEqual([
      ["failed", 1],
      ["passed", 0],
    ]);
    const row = testRestores().getByTestId(`test-restore-row-${runs[0]!.id}`);
    await row.getByText("Failed", { exact: true }).waitFor();
    await row.getByText("Exit code 1", { exact: true }).waitFor();
    await row.getByText("The check command failed (exit code 1).").waitFor();
  });

  it("shows the last verification, test restore and copy on the dashboard", async () => {
    await page.goto("/");
    const row = page.getByTestId(`dashboard-row-${workloadId}`);
    await row.getByTestId("dashboard-last-verified").getByText("Passed", { exact: true }).waitFor();
    await row.getByTestId("dashboard-last-test-restore").getByText("Failed", { exact: true }).waitFor();
    const offHostCell = row.getByTestId("dashboard-off-host");
    await offHostCell.getByText("1 target").waitFor();
    await offHostCell.getByText("copied", { exact: false }).waitFor();
    // The failed test restore is a recent failure, in the UI's words.
    const failures = page.getByTestId("dashboard-failures");
    const failure = failures.getByRole("row").filter({ hasText: "Test restore" });
    await failure.getByText("The check command failed (exit code 1).").waitFor();
    await screenshot(page, "offhost-08-dashboard");
  });

  it("fetches a snapshot deleted here back from its copy", async () => {
    await api.mutate("snapshot.delete", { id: snapshot.id });
    await page.goto(`/workloads/${workloadId}`);
    const copyRow = offHost().locator('[data-testid^="copy-row-"]');
    await copyRow.getByText("No longer on this server").waitFor();
    await copyRow.getByRole("button", { name: `Fetch ${LABEL} back from nas-share` }).click();
    const dialog = page.getByRole("dialog", { name: `Fetch ${LABEL} back?` });
    await dialog.getByRole("button", { name: "Fetch back" }).click();
    await dialog.waitFor({ state: "detached", timeout: COPY_TIMEOUT_MS });
    await offHost()
      .getByRole("status")
      .filter({ hasText: `${LABEL} is back on this server` })
      .waitFor();
    // The snapshot list has it again, under its own id, and the copy needs no action any more.
    await snapshotRow()
      .getByRole("button", { name: `Restore snapshot ${LABEL}` })
      .waitFor();
    const back = (await listSnapshots()).find((s) => s.label === LABEL);
    expect(back).toMatchObject({ id: snapshot.id, sha256: snapshot.sha256 });
    expect(await copyRow.getByRole("button").count()).toBe(0);
    await screenshot(page, "offhost-09-fetched");
    expect(browserErrors).toEqual([]);
  });

  it("shows a viewer the copies and the test restores without any action", async () => {
    const viewer = await newContext(browser, app.url);
    try {
      await viewer.addCookies([{ name: "berth-locale", value: "en", url: app.url }]);
      const vpage = await viewer.newPage();
      await signIn(vpage, VIEWER.email, VIEWER.password);
      await vpage.goto(`/workloads/${workloadId}`);
      const vOffHost = vpage.getByTestId("off-host-panel");
      await vOffHost.locator('[data-testid^="copy-row-"]').getByText("Verified", { exact: true }).waitFor();
      expect(await vOffHost.getByTestId("copy-policy").count()).toBe(0);
      expect(await vOffHost.getByRole("button").count()).toBe(0);
      await vpage.getByTestId("test-restores-panel").getByText("Passed", { exact: true }).waitFor();
      const vSnapshots = vpage.getByRole("region", { name: "Snapshots", exact: true });
      await vSnapshots.getByRole("row").filter({ hasText: LABEL }).getByTestId("copies-badge").waitFor();
      for (const name of [/^Check snapshot/, /^Verify/, /^Test restore/, /^Retry/, /^Fetch/]) {
        expect(await vpage.getByRole("main").getByRole("button", { name }).count(), String(name)).toBe(0);
      }
      await screenshot(vpage, "offhost-10-viewer");
    } finally {
      await viewer.close();
    }
  });

  it("shows the off-host panel in Russian", async () => {
    await page.getByRole("banner").getByRole("button", { name: "Русский" }).click();
    const ru = page.getByRole("region", { name: "Копии вне сервера" });
    await ru.getByRole("heading", { name: "Копии вне сервера" }).waitFor();
    await ru.getByText("Проверена", { exact: true }).waitFor();
    await page.getByRole("region", { name: "Пробные восстановления" }).getByText("Не пройдено", { exact: true }).waitFor();
    await screenshot(page, "offhost-11-russian");
    await page.getByRole("banner").getByRole("button", { name: "English" }).click();
    await page.getByRole("region", { name: "Off-host copies" }).waitFor();
    expect(browserErrors).toEqual([]);
  });
});
