// Storage targets in a real browser against a production build: an admin adds a local-folder
// target in Settings → Storage and tests it; a snapshot copied there through the workload's copy
// policy is deleted here, listed by Browse as known but not here, and imported back into its
// workload from the target (the disaster-recovery path of the UI); the target is renamed,
// then deleted (its copies stay in the folder); viewers are refused the targets; the tab in Russian.
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type AppServer, startAppServer } from "../support/app-server";
import { launchBrowser, newEnglishPage, screenshot, signIn } from "../support/browser";
import { createApiToken, createDataWorkload, trpcHttp } from "../support/trpc-http";

let app: AppServer;
let browser: Browser;
let api: ReturnType<typeof trpcHttp>;
let workloadId: string;
let folder: string;

interface CopyRow {
  state: string;
  snapshotId: string;
}

async function waitForCopy(snapshotId: string): Promise<CopyRow> {
  for (let i = 0; i < 600; i++) {
    const copies = await api.query<CopyRow[]>("snapshot.copies", { id: snapshotId });
    if (copies[0]?.state === "verified") return copies[0];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the copy did not become verified");
}

beforeAll(async () => {
  [app, browser] = await Promise.all([startAppServer(), launchBrowser()]);
  folder = await fs.mkdtemp(path.join(os.tmpdir(), "berth-e2e-target-"));
  api = trpcHttp(app.url, createApiToken(app.dataDir, "admin"));
  workloadId = await createDataWorkload(api.mutate, { project: "nas", name: "files", source: "data", image: inject("testImage") });
  await api.mutate("workload.deploy", { id: workloadId });
  await fs.writeFile(path.join(app.dataDir, "volumes", "projects", "nas", "stages", "production", "data", "a.txt"), "kept safe\n");
});

afterAll(async () => {
  if (process.env.BERTH_TEST_VERBOSE) console.error(app?.logs());
  await browser?.close();
  await app?.stop();
  await fs.rm(folder, { recursive: true, force: true });
});

describe("storage targets UI", () => {
  let context: BrowserContext;
  let page: Page;
  const browserErrors: string[] = [];

  beforeAll(async () => {
    ({ context, page } = await newEnglishPage(browser, app.url, browserErrors));
    await signIn(page, app.admin.email, app.admin.password);
  });
  afterAll(() => context?.close());

  it("adds a local folder target and tests it", async () => {
    await page.goto("/settings?tab=storage");
    const section = page.getByTestId("storage-targets-section");
    await section.getByRole("heading", { name: "Storage targets" }).waitFor();
    await page.getByTestId("add-storage-target").click();
    const dialog = page.getByRole("dialog", { name: "Add a storage target" });
    await dialog.getByLabel("Kind").selectOption({ label: "Folder on this host" });
    await dialog.getByLabel("Name", { exact: true }).fill("NAS share");
    // A relative folder is refused under its field, in one round.
    await dialog.getByLabel("Folder", { exact: true }).fill("backups");
    await dialog.getByRole("button", { name: "Add target" }).click();
    await dialog.getByText("The folder must be an absolute path.").waitFor();
    await dialog.getByLabel("Folder", { exact: true }).fill(folder);
    await dialog.getByRole("button", { name: "Add target" }).click();
    await dialog.waitFor({ state: "detached" });

    const row = section.locator('[data-testid^="storage-target-row-"]').filter({ hasText: "NAS share" });
    await row.getByText(folder).waitFor();
    await row.getByRole("button", { name: "Test the connection to NAS share" }).click();
    await row.getByRole("status").getByText("Connected: a test file was written, read back and removed.").waitFor();
    // The probe is gone; the marker that tells this folder from an empty mount point stays.
    expect(await fs.readdir(folder)).toEqual([".berth-storage-target"]);
    await screenshot(page, "storage-01-target");
  });

  it("lists a copy whose snapshot was deleted here and imports it back into its workload", async () => {
    const [target] = await api.query<{ id: string }[]>("storageTarget.list", undefined);
    await api.mutate("storageTarget.setCopyPolicy", { workloadId, targetIds: [target!.id] });
    const snapshot = await api.mutate<{ id: string; sha256: string }>("snapshot.create", { workloadId, label: "nightly" });
    await waitForCopy(snapshot.id);
    await api.mutate("snapshot.delete", { id: snapshot.id });

    await page.goto("/settings?tab=storage");
    await page.getByRole("button", { name: "Browse the copies on NAS share" }).click();
    const dialog = page.getByRole("dialog", { name: "Copies on NAS share" });
    const archive = dialog.getByTestId(`remote-archive-${snapshot.id}`);
    await archive.getByText("nightly").waitFor();
    await archive.getByText("Known", { exact: true }).waitFor();
    expect(await archive.getByText("Here", { exact: true }).count()).toBe(0);
    await archive.getByRole("button", { name: /Import .* into a workload/ }).click();
    await dialog.getByRole("heading", { name: "Import into a workload" }).waitFor();
    expect(await dialog.getByLabel("Import into", { exact: true }).inputValue()).toBe(workloadId);
    await dialog.getByRole("button", { name: "Import", exact: true }).click();
    await dialog.getByRole("status").getByText("Imported “nightly” into files.", { exact: false }).waitFor();
    await screenshot(page, "storage-02-imported");

    const listed = await api.query<{ id: string; kind: string; sha256: string }[]>("snapshot.list", { workloadId });
    expect(listed).toMatchObject([{ id: snapshot.id, kind: "imported", sha256: snapshot.sha256 }]);
    const file = path.join(app.dataDir, "snapshots", workloadId, `${snapshot.id}.tar.gz`);
    expect(
      createHash("sha256")
        .update(await fs.readFile(file))
        .digest("hex"),
    ).toBe(snapshot.sha256);
    await dialog.getByRole("button", { name: "Done" }).click();
  });

  it("renames the target, then deletes it while its files stay in the folder", async () => {
    await page.goto("/settings?tab=storage");
    await page.getByRole("button", { name: "Edit storage target NAS share" }).click();
    const edit = page.getByRole("dialog", { name: "Edit storage target" });
    await edit.getByLabel("Name", { exact: true }).fill("Old NAS");
    await edit.getByRole("button", { name: "Save" }).click();
    await edit.waitFor({ state: "detached" });
    await page.getByRole("button", { name: "Delete storage target Old NAS" }).click();
    const confirm = page.getByRole("dialog", { name: "Delete storage target?" });
    await confirm.getByRole("button", { name: "Delete target" }).click();
    await confirm.waitFor({ state: "detached" });
    await page.getByTestId("storage-targets-section").getByText("Old NAS").waitFor({ state: "detached" });
    expect((await fs.readdir(folder)).some((f) => f.endsWith(".tar.gz"))).toBe(true);
  });

  it("refuses storage targets to viewers, and speaks Russian", async () => {
    const viewerToken = createApiToken(app.dataDir, "viewer", "e2e-storage-viewer");
    const viewerTargets = await fetch(`${app.url}/api/trpc/storageTarget.list`, { headers: { authorization: `Bearer ${viewerToken}` } });
    expect(viewerTargets.status).toBe(403);

    await page.goto("/settings?tab=storage");
    await page.getByRole("banner").getByRole("button", { name: "Русский" }).click();
    await page.getByTestId("storage-targets-section").getByRole("heading", { name: "Хранилища копий" }).waitFor();
    await page.getByRole("banner").getByRole("button", { name: "English" }).click();
    await page.getByTestId("storage-targets-section").getByRole("heading", { name: "Storage targets" }).waitFor();
    expect(browserErrors).toEqual([]);
  });
});
