// Restore in a real browser against a production build and the private Docker engine. A
// workload with a stage folder (in snapshots) and a named volume (not in them) gets a file
// written on the host, a snapshot "v1" (through the API), then the file is changed and
// another one added. As the admin in the browser: the restore dialog says what will happen
// (unpacked while the workload runs, then a short stop) and only enables the button once the
// label is typed; the restore shows its steps, then how long the workload was down and when
// it was back up, then the undo copy being saved; the files on disk are the snapshot's again
// (the added one gone); the history lists the run with its times and phases, and the
// snapshot list marks the copy Undo uses. Pinning a snapshot shows and keeps it. Undo (the
// same dialog, for the pre-restore snapshot) brings the changed files back. A second restore
// while another runs is refused (CONFLICT) in plain words. While a restore's old data is
// still beside the volume (its undo copy not saved), Undo swaps it back. A viewer sees the
// history and pins without buttons, and the history is in Russian.
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
  if (!res.ok())
    throw Object.assign(new Error(`${procedure}: ${res.status()} ${JSON.stringify(body.error)}`), { code: body.error?.json?.data?.code });
  return body.result!.data.json;
}

type Run = {
  id: string;
  snapshotId: string;
  preRestoreSnapshotId: string | null;
  outcome: string | null;
  downtimeMs: number | null;
  upAfterMs: number | null;
  durationMs: number | null;
  undoCopy: string | null;
  undoOf: string | null;
  phases: { phase: string; ms: number }[];
};
const restoreRuns = () => trpc<Run[]>("snapshot.restoreRuns", { workloadId }, "GET");
const snapshots = () => trpc<{ id: string; label: string; kind: string; pinned: boolean }[]>("snapshot.list", { workloadId }, "GET");

/** Polls the restore history until `done` holds for it. */
async function waitForRuns(done: (runs: Run[]) => boolean, what: string): Promise<Run[]> {
  for (let i = 0; ; i++) {
    const runs = await restoreRuns();
    if (done(runs)) return runs;
    expect(i, what).toBeLessThan(1200);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const backgroundDone = (runs: Run[]) => runs.every((r) => r.outcome !== null && r.undoCopy !== "pending");

interface DialogLog {
  /** every step marked current, in order (consecutive repeats once) */
  steps: string[];
  /** whether the busy button was disabled when it appeared */
  busyDisabled: boolean | null;
  /** whether Esc was pressed while the dialog was busy */
  escapedWhileBusy: boolean;
}

/**
 * Watches the open dialog from inside the page, since the part of a restore before the
 * workload is up may take less time than a round trip of the test: every step it marks
 * current, and the busy button the moment it appears; Esc is pressed while it is busy (it
 * must not close the dialog).
 */
async function watchDialog(busyLabel: string): Promise<() => Promise<DialogLog>> {
  await page.evaluate((busyLabel) => {
    const log: DialogLog = { steps: [], busyDisabled: null, escapedWhileBusy: false };
    (window as unknown as { dialogLog: DialogLog }).dialogLog = log;
    const look = () => {
      const dialog = document.querySelector('[role="dialog"]');
      if (!dialog) return;
      const step = dialog.querySelector('ol[aria-label="Restore steps"] [aria-current="step"]')?.textContent;
      if (step && log.steps.at(-1) !== step) log.steps.push(step);
      const busy = [...dialog.querySelectorAll("button")].find((b) => b.textContent === busyLabel);
      if (busy && log.busyDisabled === null) {
        log.busyDisabled = busy.disabled;
        // A moment later, as a person would (the dialog's handlers are current by then).
        setTimeout(() => {
          if (!busy.isConnected) return;
          document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", code: "Escape", bubbles: true }));
          log.escapedWhileBusy = true;
        }, 50);
      }
    };
    new MutationObserver(look).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
      attributeFilter: ["aria-current", "disabled"],
    });
  }, busyLabel);
  return () => page.evaluate(() => (window as unknown as { dialogLog: DialogLog }).dialogLog);
}

const FOREGROUND_STEPS = [
  "Checking and unpacking the snapshot while the workload keeps running",
  "Stopping the workload",
  "Swapping the data folders",
  "Starting the workload",
];
/** The steps seen, as indexes in the engine's order (with their screen-reader state stripped). */
const stepIndexes = (log: DialogLog) => log.steps.map((s) => FOREGROUND_STEPS.indexOf(s.replace(/ \(in progress\)$/, "")));
// Intl may put a no-break space between the number and the unit.
const SECONDS = "[\\d.]+\\ssec";

beforeAll(async () => {
  [app, browser] = await Promise.all([startAppServer(), launchBrowser()]);
  ({ context, page } = await newEnglishPage(browser, app.url, browserErrors));
  await signIn(page, app.admin.email, app.admin.password);

  workloadId = await deployDataWorkload(trpc, {
    project: PROJECT,
    stage: STAGE,
    name: NAME,
    namedVolume: NAMED_VOLUME,
    image: inject("testImage"),
  });
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

    // Found by role: its title changes when the restore has finished.

    const dialog = page.getByRole("dialog");

    await dialog.getByRole("heading", { name: "Restore snapshot v1?" }).waitFor();
    const steps = dialog.getByRole("listitem");
    // In the engine's order: unpacked while running, then the stop, the swap, the start, and the undo copy.
    await steps
      .nth(0)
      .getByText("checked and unpacked next to the current data while the workload keeps running", { exact: false })
      .waitFor();
    await steps.nth(1).getByText(`The workload's container berth_${PROJECT}_${STAGE}_${NAME} is stopped.`).waitFor();
    const replaced = steps.filter({ hasText: "This volume is replaced entirely by the unpacked copy" });
    await replaced.getByText("/data", { exact: true }).waitFor();
    await replaced.getByText("(2 files, ", { exact: false }).waitFor();
    const kept = steps.filter({ hasText: "This volume is not in the snapshot and is kept as it is" });
    await kept.getByText("/cache", { exact: true }).waitFor();
    await kept.getByText("(Docker named volume)").waitFor();
    await dialog.getByText("The workload is down only from the stop until here", { exact: false }).waitFor();
    await dialog.getByText("In the background, the data from before is saved as a snapshot", { exact: false }).waitFor();

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

  it("restores through the dialog: steps, then the downtime and the undo copy; the files on disk are the snapshot's", async () => {
    await snapshotsPanel().getByRole("button", { name: "Restore snapshot v1" }).click();
    // Found by role: its title changes when the restore has finished.
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("heading", { name: "Restore snapshot v1?" }).waitFor();
    await dialog.getByLabel("To confirm, type v1").fill("v1");
    const log = await watchDialog("Restoring…");
    await dialog.getByRole("button", { name: "Restore now" }).click();
    await screenshot(page, "restore-02-progress");

    const done = dialog.getByRole("status").filter({ hasText: "Snapshot v1 was restored." });
    await done.waitFor({ timeout: 120_000 });
    // The running steps: from unpacking on, in order, with a busy button that Esc did not get past.
    const seen = await log();
    expect(seen.busyDisabled).toBe(true);
    expect(seen.escapedWhileBusy).toBe(true);
    const indexes = stepIndexes(seen);
    expect(indexes[0], JSON.stringify(seen.steps)).toBe(0);
    expect(indexes, JSON.stringify(seen.steps)).toEqual([...indexes].sort((a, b) => a - b));
    expect(indexes).not.toContain(-1);
    expect(await done.textContent()).toMatch(new RegExp(`The workload is back up after ${SECONDS} \\(down for ${SECONDS}\\)\\.`));

    const outcome = dialog.getByRole("region", { name: "Volumes" });
    await outcome.getByText("Replaced with the snapshot's data:").waitFor();
    await outcome.getByRole("listitem").filter({ hasText: "/data" }).waitFor();
    await outcome.getByText("Kept as they were:").waitFor();
    await outcome.getByRole("listitem").filter({ hasText: "/cache" }).waitFor();
    // The workload is up; the old data is archived in the background, and the dialog says when.
    expect(await fs.readFile(notes(), "utf8")).toBe("version 1: as in the snapshot\n");
    await expect(fs.access(added())).rejects.toMatchObject({ code: "ENOENT" });
    expect((await fs.stat(path.join(dataFolder(), "big.bin"))).size).toBe(BIG_FILE_BYTES);
    const undoCopy = dialog.getByRole("region", { name: "Undo copy" });
    await undoCopy.getByText("Undo copy saved as a “Before restore” snapshot", { exact: false }).waitFor({ timeout: 120_000 });
    expect(await dialog.getByRole("alert").count()).toBe(0);
    await screenshot(page, "restore-03-outcome");

    await dialog.getByRole("button", { name: "Done" }).click();
    await dialog.waitFor({ state: "detached" });
    await status().getByText("Running", { exact: true }).waitFor();

    // The run records its downtime, when the workload was up, and each phase.
    const [run] = await restoreRuns();
    expect(run).toMatchObject({ outcome: "succeeded", undoCopy: "saved" });
    expect(run!.downtimeMs).toBeGreaterThanOrEqual(0);
    expect(run!.upAfterMs).toBeGreaterThan(run!.downtimeMs!);
    expect(run!.durationMs).toBeGreaterThanOrEqual(run!.upAfterMs!);
    expect(run!.phases.map((p) => p.phase)).toEqual([
      "staging",
      "stopping",
      "swapping",
      "starting",
      "saving-undo-copy",
      "removing-old-data",
    ]);
    const pre = (await snapshots()).find((s) => s.id === run!.preRestoreSnapshotId);
    expect(pre).toMatchObject({ kind: "pre-restore", label: "before restoring v1" });

    // The history shows them; the snapshot list marks the copy Undo restores.
    const row = history().getByRole("row").filter({ hasText: "Succeeded" });
    await row.getByRole("cell", { name: "v1", exact: true }).waitFor();
    await row.getByText(app.admin.email).waitFor();
    await row.getByText(new RegExp(`^Down for ${SECONDS}$`)).waitFor();
    await row.getByText(new RegExp(`^Up after ${SECONDS}$`)).waitFor();
    await row.getByText(new RegExp(`^${SECONDS} in all$`)).waitFor();
    await row.getByText("Undo copy: before restoring v1").waitFor();
    await row.getByText("Phases", { exact: true }).click();
    const phases = row.getByRole("list", { name: "Time per phase" }).getByRole("listitem");
    expect((await phases.allTextContents()).map((p) => p.replace(/[\d.]+\ssec$/, ""))).toEqual([
      "Checking and unpacking",
      "Stopping",
      "Swapping",
      "Starting",
      "Saving the undo copy",
      "Removing the old data",
    ]);
    await row.getByRole("button", { name: "Undo the restore of v1" }).waitFor();
    const preRow = snapshotsPanel().getByRole("row").filter({ hasText: "before restoring v1" });
    await preRow.getByText("Before restore", { exact: true }).waitFor();
    await preRow.getByText("Undo copy", { exact: true }).waitFor();
    expect(await snapshotsPanel().getByText("Undo copy", { exact: true }).count()).toBe(1);
    await screenshot(page, "restore-04-history");
    // The panel did not report this tab's own restore as one "started elsewhere".
    expect(await snapshotsPanel().getByText("started elsewhere", { exact: false }).count()).toBe(0);
  });

  it("pins and unpins snapshots: the badge shows it, and the server keeps it", async () => {
    const v1 = snapshotsPanel()
      .getByRole("row")
      .filter({ has: page.getByRole("button", { name: "Restore snapshot v1", exact: true }) });
    const pin = v1.getByRole("button", { name: "Pin snapshot v1", exact: true });
    expect(await pin.getAttribute("title")).toContain("never removed automatically");
    await pin.click();
    await v1.getByText("Pinned", { exact: true }).waitFor();
    await v1.getByRole("button", { name: "Unpin snapshot v1", exact: true }).click();
    await v1.getByRole("button", { name: "Pin snapshot v1", exact: true }).waitFor();
    expect(await v1.getByText("Pinned", { exact: true }).count()).toBe(0);
    expect((await snapshots()).find((s) => s.label === "v1")!.pinned).toBe(false);

    // The first undo copy stays pinned: the later restores would otherwise prune it (3 kept).
    const pre = snapshotsPanel().getByRole("row").filter({ hasText: "before restoring v1" });
    await pre.getByRole("button", { name: "Pin snapshot before restoring v1", exact: true }).click();
    await pre.getByText("Pinned", { exact: true }).waitFor();
    expect((await snapshots()).find((s) => s.label === "before restoring v1")!.pinned).toBe(true);
    await screenshot(page, "restore-05-pinned");
  });

  it("undoes it with one click on the history: the same dialog, for the pre-restore snapshot", async () => {
    await history().getByRole("button", { name: "Undo the restore of v1" }).click();
    // Found by role: its title changes when the restore has finished.
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("heading", { name: "Undo this restore?" }).waitFor();
    await dialog.getByText(`The data of ${NAME} goes back to snapshot before restoring v1`, { exact: false }).waitFor();
    const submit = dialog.getByRole("button", { name: "Undo restore" });
    expect(await submit.isDisabled()).toBe(true);
    await dialog.getByLabel("To confirm, type before restoring v1").fill("before restoring v1");
    await screenshot(page, "restore-06-undo-dialog");
    await submit.click();
    await dialog
      .getByRole("status")
      .filter({ hasText: "The restore was undone: snapshot before restoring v1 was restored." })
      .waitFor({ timeout: 120_000 });
    await dialog.getByRole("button", { name: "Done" }).click();
    await dialog.waitFor({ state: "detached" });

    expect(await fs.readFile(notes(), "utf8")).toBe("version 2: changed after the snapshot\n");
    expect(await fs.readFile(added(), "utf8")).toBe("not in the snapshot\n");
    const runs = await restoreRuns();
    expect(runs.map((r) => r.outcome)).toEqual(["succeeded", "succeeded"]);
    await history().getByRole("row").filter({ hasText: "Succeeded" }).nth(1).waitFor();
    await history().getByRole("button", { name: "Undo the restore of before restoring v1" }).waitFor();
    await status().getByText("Running", { exact: true }).waitFor();
    await screenshot(page, "restore-07-history-after-undo");
  });

  it("says plainly that a restore is already running when another one is in flight (CONFLICT)", async () => {
    const v1 = (await snapshots()).find((s) => s.label === "v1")!;
    await snapshotsPanel().getByRole("button", { name: "Restore snapshot v1" }).click();
    // Found by role: its title changes when the restore has finished.
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("heading", { name: "Restore snapshot v1?" }).waitFor();
    await dialog.getByLabel("To confirm, type v1").fill("v1");

    // Another client starts a restore of the same workload; once its run exists, it holds the workload.
    const before = (await restoreRuns()).length;
    const other = trpc("snapshot.restore", { workloadId, snapshotId: v1.id, confirm: v1.id });
    other.catch(() => {});
    await waitForRuns((runs) => runs.length > before, "the other restore did not start");
    expect((await restoreRuns())[0]!.outcome).toBeNull();
    await dialog.getByRole("button", { name: "Restore now" }).click();
    await dialog
      .getByRole("alert")
      .filter({ hasText: "Another restore of this workload is already running. Wait until it has finished" })
      .waitFor();
    await screenshot(page, "restore-08-conflict");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });

    await other;
    expect(await fs.readFile(notes(), "utf8")).toBe("version 1: as in the snapshot\n");
    // The other client's restore shows in the history once it is over.
    await history().getByRole("row").filter({ hasText: "Succeeded" }).nth(2).waitFor({ timeout: 30_000 });
  });

  it("undoes a restore whose old data is still beside the volume by swapping it back", async () => {
    await waitForRuns(backgroundDone, "an earlier undo copy is still being saved");
    await fs.writeFile(notes(), "version 3: before the swap back\n");
    const v1 = (await snapshots()).find((s) => s.label === "v1")!;
    const before = (await restoreRuns()).length;
    const restoring = trpc("snapshot.restore", { workloadId, snapshotId: v1.id, confirm: v1.id });
    restoring.catch(() => {});
    const [run] = await waitForRuns((runs) => runs.length > before, "the restore did not start");
    // Its undo copy is written as <id>.tar.gz.tmp: a folder in that place makes saving it fail,
    // so the old data stays beside the volume, and Undo is a swap back instead of a restore.
    const blocker = path.join(app.dataDir, "snapshots", workloadId, `${run!.preRestoreSnapshotId}.tar.gz.tmp`);
    await fs.mkdir(blocker);
    try {
      await restoring;
      await waitForRuns((runs) => runs[0]!.undoCopy === "failed", "saving the undo copy did not fail");
      expect(await fs.readFile(notes(), "utf8")).toBe("version 1: as in the snapshot\n");
      // Started elsewhere (here: the API), so the panel reports the failure, as a warning: the workload is up.
      await snapshotsPanel()
        .getByRole("alert")
        .filter({ hasText: "brought its workload back up, but saving its undo copy failed" })
        .waitFor();

      const row = history()
        .getByRole("row")
        .filter({ hasText: "Undo copy not saved yet; the old data is kept and saving is retried at the next start." });
      await row.waitFor({ timeout: 45_000 });
      await row.getByRole("button", { name: "Undo the restore of v1" }).click();
      // Found by role: its title changes when the restore has finished.
      const dialog = page.getByRole("dialog");
      await dialog.getByRole("heading", { name: "Undo this restore?" }).waitFor();
      await dialog
        .getByText("goes back to what it was just before the restore of v1: that data is still on disk", { exact: false })
        .waitFor();
      await dialog.getByText("a rename, so it takes seconds whatever the size", { exact: false }).waitFor();
      await screenshot(page, "restore-09-swap-back-dialog");
      const log = await watchDialog("Undoing…");
      await dialog.getByRole("button", { name: "Undo restore" }).click();

      const done = dialog.getByRole("status").filter({ hasText: "Swapped the previous data back: the restore of v1 is undone." });
      await done.waitFor({ timeout: 120_000 });
      expect(await done.textContent()).toMatch(new RegExp(`The workload is back up after ${SECONDS} \\(down for ${SECONDS}\\)\\.`));
      const seen = await log();
      expect(seen.busyDisabled).toBe(true);
      expect(stepIndexes(seen)[0], JSON.stringify(seen.steps)).toBe(1); // a swap back unpacks nothing
      expect(await fs.readFile(notes(), "utf8")).toBe("version 3: before the swap back\n");
      expect((await fs.stat(path.join(dataFolder(), "big.bin"))).size).toBe(BIG_FILE_BYTES);
      // The restored data becomes the undo's own undo copy.
      await dialog.getByRole("region", { name: "Undo copy" }).getByText("Undo copy saved", { exact: false }).waitFor({ timeout: 120_000 });
      await screenshot(page, "restore-10-swapped-back");
      await dialog.getByRole("button", { name: "Done" }).click();
      await dialog.waitFor({ state: "detached" });
    } finally {
      await fs.rm(blocker, { recursive: true, force: true });
    }

    const [undo, undone] = await restoreRuns();
    expect(undo).toMatchObject({ outcome: "succeeded", undoOf: run!.id, undoCopy: "saved" });
    expect(undone).toMatchObject({ id: run!.id, undoCopy: "undone" });
    expect(undo!.phases.map((p) => p.phase)).toEqual(["stopping", "swapping", "starting", "saving-undo-copy", "removing-old-data"]);
    await history()
      .getByRole("row")
      .filter({ hasText: "Undo of the restore of v1" })
      .getByText(new RegExp(`^Down for ${SECONDS}$`))
      .waitFor();
    await history().getByRole("row").filter({ hasText: "Undone" }).waitFor();
    await history().getByRole("button", { name: "Undo the undo of the restore of v1" }).waitFor();
    // Four undo copies now: the pinned first one survived the retention of three.
    const pres = (await snapshots()).filter((s) => s.kind === "pre-restore");
    expect(pres.map((s) => s.label).sort()).toEqual([
      "before restoring v1",
      "before restoring v1",
      "before undoing v1",
      "before undoing v1",
    ]);
    expect(pres.filter((s) => s.pinned)).toHaveLength(1);
    const marked = snapshotsPanel()
      .getByRole("row")
      .filter({ has: page.getByText("Undo copy", { exact: true }) });
    await marked.getByText("before undoing v1").waitFor();
    expect(await marked.count()).toBe(1);
    await screenshot(page, "restore-11-history-after-swap-back");
  });

  it("shows a viewer the history and the pins without restore, undo or pin buttons", async () => {
    await trpc("user.create", { email: "viewer@berth.test", password: "viewer-password-1", role: "VIEWER" });
    const viewer = await newContext(browser, app.url);
    try {
      await viewer.addCookies([{ name: "berth-locale", value: "en", url: app.url }]);
      const vpage = await viewer.newPage();
      await signIn(vpage, "viewer@berth.test", "viewer-password-1");
      await vpage.goto(`/workloads/${workloadId}`);
      const vhistory = vpage.getByRole("region", { name: "Restore history" });
      await vhistory.getByRole("row").filter({ hasText: "Succeeded" }).nth(3).waitFor();
      await vhistory
        .getByText(new RegExp(`^Down for ${SECONDS}$`))
        .first()
        .waitFor();
      const vsnapshots = vpage.getByRole("region", { name: "Snapshots", exact: true });
      await vsnapshots.getByRole("row").filter({ hasText: "before restoring v1" }).getByText("Pinned", { exact: true }).waitFor();
      expect(await vpage.getByRole("button", { name: /^(Restore|Undo|Pin|Unpin)/ }).count()).toBe(0);
    } finally {
      await viewer.close();
    }
  });

  it("shows the restore history in Russian", async () => {
    await page.getByRole("banner").getByRole("button", { name: "Русский" }).click();
    const ru = page.getByRole("region", { name: "История восстановлений" });
    for (const header of ["Начато", "Снимок", "Кто", "Результат", "Длительность", "Копия для отмены"])
      await ru.getByRole("columnheader", { name: header }).waitFor();
    await ru.getByRole("row").filter({ hasText: "Выполнено" }).first().waitFor();
    await ru
      .getByText(/^Простой: [\d,]+\sс$/)
      .first()
      .waitFor();
    await ru.getByRole("row").filter({ hasText: "Отменено" }).waitFor();
    await ru.getByRole("button", { name: "Отменить отмену восстановления снимка v1" }).waitFor();
    await page.getByRole("region", { name: "Снимки", exact: true }).getByRole("button", { name: "Восстановить снимок v1" }).click();
    const dialog = page.getByRole("dialog", { name: "Восстановить снимок v1?" });
    await dialog.getByLabel("Для подтверждения введите v1").waitFor();
    await dialog.getByText("пока нагрузка продолжает работать", { exact: false }).waitFor();
    await screenshot(page, "restore-12-russian");
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
    await snapshotsPanel()
      .getByRole("row")
      .filter({ hasText: "shared-v1" })
      .getByRole("button", { name: "Restore snapshot shared-v1" })
      .click();
    // Found by role: its title changes when the restore has finished.
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("heading", { name: "Restore snapshot shared-v1?" }).waitFor();
    const shared = dialog.getByTestId("restore-shared-with");
    await shared.getByText("This other workload mounts the same data and is stopped too", { exact: false }).waitFor();
    await shared.getByText("shared-e2e/prod/worker", { exact: true }).waitFor();
    await screenshot(page, "restore-13-shared-with");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
  });
});
