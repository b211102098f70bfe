// Retention and alerts in a real browser against a production build. Retention: four manual
// snapshots (one pinned) of a workload made through the API; the admin sets a policy on the
// workload page, the preview names exactly the snapshots it would delete (manual ones only
// once they are included; never the pinned or the newest), saving deletes nothing, Apply now
// does. Alerts: a target added in Settings whose URL points at a real receiver on 127.0.0.1;
// "Send test" posts once and says so, an edit with the URL left empty keeps the stored URL,
// a refusal shows translated, and the page never shows the URL's path or query.
import fs from "node:fs/promises";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type AppServer, startAppServer } from "../support/app-server";
import { launchBrowser, newEnglishPage, screenshot, signIn } from "../support/browser";
import { createApiToken, createDataWorkload, trpcHttp } from "../support/trpc-http";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver";

let app: AppServer;
let browser: Browser;
let receiver: WebhookReceiver;
let api: ReturnType<typeof trpcHttp>;
let workloadId: string;
/** label → id, oldest first */
const snaps = new Map<string, string>();
const LABELS = ["snap-1", "snap-2", "snap-3", "snap-4"];
const SECRET_PATH = "/hooks/secret-path-token";
const SECRET_QUERY = "key=s3cr3t-value";

const listSnapshots = () => api.query<{ id: string; label: string; pinned: boolean }[]>("snapshot.list", { workloadId });

beforeAll(async () => {
  [app, browser, receiver] = await Promise.all([startAppServer(), launchBrowser(), startWebhookReceiver()]);
  api = trpcHttp(app.url, createApiToken(app.dataDir, "admin"));
  workloadId = await createDataWorkload(api.mutate, { project: "keep", name: "store", source: "data", image: inject("testImage") });
  await api.mutate("workload.deploy", { id: workloadId });
  await fs.writeFile(path.join(app.dataDir, "volumes", "projects", "keep", "stages", "production", "data", "a.txt"), "data\n");
  for (const label of LABELS) {
    const snapshot = await api.mutate<{ id: string }>("snapshot.create", { workloadId, label });
    snaps.set(label, snapshot.id);
  }
  await api.mutate("snapshot.pin", { id: snaps.get("snap-2"), pinned: true });
});

afterAll(async () => {
  if (process.env.BERTH_TEST_VERBOSE) console.error(app?.logs());
  await browser?.close();
  await app?.stop();
  await receiver?.close();
});

describe("retention and alerts UI", () => {
  let context: BrowserContext;
  let page: Page;
  const browserErrors: string[] = [];

  beforeAll(async () => {
    ({ context, page } = await newEnglishPage(browser, app.url, browserErrors));
    await signIn(page, app.admin.email, app.admin.password);
  });
  afterAll(() => context?.close());

  it("previews a policy before saving it, saves it without deleting, then applies it", async () => {
    await page.goto(`/workloads/${workloadId}`);
    const panel = page.getByTestId("retention-panel");
    await panel.getByText("No retention policy: nothing is deleted automatically.").waitFor();
    await panel.getByText("Pinned snapshots, the newest good snapshot and “Before restore” snapshots are never pruned by it.").waitFor();
    await panel.getByRole("button", { name: "Set a policy" }).click();

    await panel.getByLabel("Keep last").fill("1");
    await panel.getByLabel("Keep weekly").fill("0");
    await panel.getByLabel("Keep monthly").fill("0");
    await panel.getByLabel("Time zone").fill("UTC");
    // Manual snapshots are outside the policy until it includes them: nothing would go.
    const preview = panel.getByTestId("retention-preview");
    await preview.getByText("Nothing would be deleted").waitFor();
    expect(await panel.locator('[data-testid^="retention-remove-"]').count()).toBe(0);

    await panel.getByLabel("Include manual and imported snapshots").check();
    await preview.getByText("2 snapshots would be deleted").waitFor();
    const rows = panel.locator('[data-testid^="retention-remove-"]');
    const listed = await rows.evaluateAll((els) => els.map((el) => el.getAttribute("data-testid")));
    // Newest first; snap-2 is pinned and snap-4 is the newest good snapshot.
    expect(listed).toEqual([`retention-remove-${snaps.get("snap-3")}`, `retention-remove-${snaps.get("snap-1")}`]);
    await rows.first().getByText("snap-3").waitFor();
    await rows.first().getByText("Manual", { exact: true }).waitFor();
    await screenshot(page, "retention-01-preview");

    // A count the server would refuse shows at the field, and no preview is asked for it.
    await panel.getByLabel("Keep daily").fill("-1");
    await panel.getByText("A whole number from 0 to 10000.").waitFor();
    await panel.getByText("Correct the fields above to see what this policy would delete.").waitFor();
    await panel.getByLabel("Keep daily").fill("0");
    await preview.getByText("2 snapshots would be deleted").waitFor();

    await panel.getByTestId("retention-save").click();
    await panel.getByRole("status").filter({ hasText: "Retention policy saved." }).waitFor();
    await panel.getByText("Keeps the last snapshot.").waitFor();
    await panel.getByText("Time zone UTC. Scheduled snapshots, and also manual and imported ones.").waitFor();
    expect(await api.query("retention.get", { workloadId })).toEqual({
      keepLast: 1,
      keepHourly: 0,
      keepDaily: 0,
      keepWeekly: 0,
      keepMonthly: 0,
      keepYearly: 0,
      timezone: "UTC",
      includeManual: true,
    });
    // Saving alone deletes nothing.
    expect((await listSnapshots()).map((s) => s.label).sort()).toEqual(LABELS);

    await panel.getByTestId("retention-apply").click();
    const dialog = page.getByRole("dialog", { name: "Apply the retention policy now?" });
    await dialog.getByText("2 snapshots will be deleted.").waitFor();
    await screenshot(page, "retention-02-apply");
    await dialog.getByRole("button", { name: "Apply now" }).click();
    await dialog.waitFor({ state: "detached" });
    await panel.getByRole("status").filter({ hasText: "Policy applied: 2 snapshots deleted." }).waitFor();

    const left = await listSnapshots();
    expect(left.map((s) => s.label).sort()).toEqual(["snap-2", "snap-4"]);
    expect(left.find((s) => s.label === "snap-2")?.pinned).toBe(true);
    // The snapshots list on the page follows without a reload.
    const snapshotsPanel = page.getByRole("region", { name: "Snapshots", exact: true });
    await snapshotsPanel.getByRole("row").filter({ hasText: "snap-1" }).waitFor({ state: "detached" });
    await snapshotsPanel.getByRole("row").filter({ hasText: "snap-3" }).waitFor({ state: "detached" });
    await snapshotsPanel.getByRole("row").filter({ hasText: "snap-2" }).waitFor();
    await snapshotsPanel.getByRole("row").filter({ hasText: "snap-4" }).waitFor();

    // Applying again: the dialog counts afresh, and nothing is left to delete.
    await panel.getByTestId("retention-apply").click();
    await dialog.getByText("Nothing would be deleted now.").waitFor();
    await dialog.getByRole("button", { name: "Apply now" }).click();
    await panel.getByRole("status").filter({ hasText: "Policy applied: nothing needed deleting." }).waitFor();
    await screenshot(page, "retention-03-applied");
  });

  it("adds an alert target in Settings and sends a test to a real receiver; the URL is never shown", async () => {
    await page.goto("/settings?tab=alerts");
    const section = page.getByTestId("alert-targets-section");
    await section.getByText("No alert targets yet", { exact: false }).waitFor();
    await section.getByTestId("add-alert-target").click();
    const dialog = page.getByRole("dialog", { name: "Add an alert target" });
    await dialog.getByLabel("Name").fill("ops hook");
    expect(await dialog.getByLabel("Format").inputValue()).toBe("json");
    await dialog.getByLabel("Webhook URL").fill(`${receiver.origin}${SECRET_PATH}?${SECRET_QUERY}`);
    expect(await dialog.getByLabel("Scheduled snapshot failed").isChecked()).toBe(true);
    expect(await dialog.getByLabel("Off-host copy failed").isChecked()).toBe(true);
    expect(await dialog.getByLabel("Test restore passed").isChecked()).toBe(false);
    expect(await dialog.getByLabel("Restore finished").isChecked()).toBe(false);
    await dialog.getByLabel("Restore finished").check();
    await screenshot(page, "alerts-01-add");
    await dialog.getByRole("button", { name: "Add target" }).click();
    await dialog.waitFor({ state: "detached" });

    const [target] = await api.query<{ id: string; events: string[]; urlPreview: string }[]>("alertTarget.list", undefined);
    expect(target!.urlPreview).toBe(receiver.origin);
    expect(target!.events).toEqual([
      "schedule-failed",
      "prune-failed",
      "disk-low",
      "restore-failed",
      "copy-failed",
      "verify-failed",
      "test-restore-failed",
      "restore-succeeded",
    ]);
    const row = section.getByTestId(`alert-target-row-${target!.id}`);
    await row.getByText(receiver.origin, { exact: true }).waitFor();
    await row.getByText("Restore finished", { exact: true }).waitFor();
    await row.getByText("Never", { exact: true }).waitFor();

    receiver.answer({ status: 204 });
    await row.getByTestId(`alert-target-test-${target!.id}`).click();
    await row.getByText("Delivered (HTTP 204)").waitFor();
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request).toMatchObject({ method: "POST", path: `${SECRET_PATH}?${SECRET_QUERY}` });
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(request!.body)).toMatchObject({
      source: "berth",
      event: "schedule-failed",
      test: true,
      message: "Test alert from Berth",
    });
    await row.getByText("Delivered", { exact: true }).waitFor();
    await screenshot(page, "alerts-02-tested");

    // An edit starts with the URL empty (the secret is never sent back) and keeps it when left so.
    await row.getByRole("button", { name: "Edit alert target ops hook" }).click();
    const edit = page.getByRole("dialog", { name: "Edit alert target" });
    expect(await edit.getByLabel("Webhook URL").inputValue()).toBe("");
    await edit.getByText(`Leave empty to keep the stored URL (to ${receiver.origin}).`, { exact: false }).waitFor();
    await edit.getByLabel("Name").fill("ops hook 2");
    await edit.getByRole("button", { name: "Save" }).click();
    await edit.waitFor({ state: "detached" });
    await row.getByText("ops hook 2", { exact: true }).waitFor();

    // A refusal is not retried (404) and shows in the UI's words.
    receiver.answer({ status: 404 });
    await row.getByTestId(`alert-target-test-${target!.id}`).click();
    await row.getByText("Not delivered: The receiver answered HTTP 404.").waitFor();
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests[1]!.path).toBe(`${SECRET_PATH}?${SECRET_QUERY}`);
    await row.getByText("Failed", { exact: true }).waitFor();

    // Neither the page nor its server-rendered data ever holds the URL's secret parts.
    await page.reload();
    await section.getByTestId(`alert-target-row-${target!.id}`).waitFor();
    const html = await page.content();
    expect(html).not.toContain("secret-path-token");
    expect(html).not.toContain("s3cr3t-value");
    await screenshot(page, "alerts-03-failed");
    expect(browserErrors).toEqual([]);
  });
});
