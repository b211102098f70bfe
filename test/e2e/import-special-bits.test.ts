// Issue 12: the import policy for setuid/setgid over real HTTP and in a real browser, against
// `next start`. The import route takes `keepSpecialBits` from the query or the
// X-Berth-Keep-Special-Bits header (1/true/0/false, absent = strip) and refuses anything else
// before storing a byte; the import dialog has the box (off by default) and sends it; the
// restore dialog says an untrusted import loses the bits, and its outcome lists the files.
import fs from "node:fs/promises";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { dir, file, gzip, snapshotTar } from "../support/archive-builder";
import { type AppServer, startAppServer } from "../support/app-server";
import { deployDataWorkload, launchBrowser, newEnglishPage, screenshot, signIn } from "../support/browser";
import { createApiToken, trpcHttp } from "../support/trpc-http";

const NAME = "setuid";
// One more than the restore result lists, so the outcome says "…and 1 more file".
const SETUID_FILES = 101;
let app: AppServer;
let browser: Browser;
let admin: string;
let workloadId: string;

/** A format-2 archive of the workload's /data volume with SETUID_FILES setuid programs. */
function setuidArchive(): Buffer {
  const names = Array.from({ length: SETUID_FILES }, (_, i) => `f${String(i).padStart(3, "0")}`);
  const body = (n: string) => `#!/bin/sh\necho ${n}\n`;
  return gzip(
    snapshotTar([dir("volumes/0/"), dir("volumes/0/bin/"), ...names.map((n) => file(`volumes/0/bin/${n}`, body(n), { mode: 0o4755 }))], {
      manifest: {
        version: 2,
        volumes: [
          {
            index: 0,
            target: "/data",
            scope: "stage",
            source: "data",
            files: names.length,
            bytes: names.reduce((s, n) => s + body(n).length, 0),
          },
        ],
      },
    }),
  );
}

const importArchive = (query = "", headers: Record<string, string> = {}) =>
  fetch(`${app.url}/api/workloads/${workloadId}/snapshots/import${query}`, {
    method: "POST",
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/gzip", ...headers },
    body: new Uint8Array(setuidArchive()),
  });

type Listed = { id: string; label: string; kind: string; keepSpecialBits?: boolean };
const listSnapshots = () => trpcHttp(app.url, admin).query<Listed[]>("snapshot.list", { workloadId });
const tmpFiles = async () =>
  (await fs.readdir(path.join(app.dataDir, "snapshots", workloadId)).catch(() => [] as string[])).filter((n) => n.endsWith(".tmp"));

beforeAll(async () => {
  [app, browser] = await Promise.all([startAppServer({ BERTH_IMPORT_MAX_BYTES: String(8 * 1024 * 1024) }), launchBrowser()]);
  admin = createApiToken(app.dataDir, "admin");
  workloadId = await deployDataWorkload(trpcHttp(app.url, admin).mutate, {
    project: "trust",
    stage: "production",
    name: NAME,
    namedVolume: "berth-e2e-special-bits-cache",
    image: inject("testImage"),
  });
});
afterAll(async () => {
  if (process.env.BERTH_TEST_VERBOSE) console.error(app?.logs());
  await browser?.close();
  await app?.stop();
});

describe("import route: keepSpecialBits", () => {
  const header = (value: string) => ({ "x-berth-keep-special-bits": value });
  it.each([
    { name: "absent", query: "", headers: {}, expected: false },
    { name: "query 1", query: "?keepSpecialBits=1", headers: {}, expected: true },
    { name: "query true", query: "?keepSpecialBits=true", headers: {}, expected: true },
    { name: "query 0", query: "?keepSpecialBits=0", headers: {}, expected: false },
    { name: "query false", query: "?keepSpecialBits=false", headers: {}, expected: false },
    { name: "header 1", query: "", headers: header("1"), expected: true },
    { name: "header false", query: "", headers: header("false"), expected: false },
    { name: "query and header agreeing", query: "?keepSpecialBits=1", headers: header("true"), expected: true },
  ])("$name → stored as $expected", async ({ query, headers, expected }) => {
    const res = await importArchive(query, headers);
    const body = (await res.json()) as { snapshot: Listed };
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body.snapshot).toMatchObject({ kind: "imported", keepSpecialBits: expected });
    expect((await listSnapshots()).find((s) => s.id === body.snapshot.id)?.keepSpecialBits).toBe(expected);
  });

  it.each([
    { name: "yes", query: "?keepSpecialBits=yes", headers: {} },
    { name: "empty", query: "?keepSpecialBits=", headers: {} },
    { name: "TRUE", query: "?keepSpecialBits=TRUE", headers: {} },
    { name: "2", query: "?keepSpecialBits=2", headers: {} },
    { name: "a padded 1", query: "?keepSpecialBits=%201", headers: {} },
    { name: "header on", query: "", headers: header("on") },
    { name: "query and header disagreeing", query: "?keepSpecialBits=1", headers: header("0") },
    { name: "the query twice, disagreeing", query: "?keepSpecialBits=1&keepSpecialBits=0", headers: {} },
  ])("$name → 400 BAD_REQUEST, nothing stored", async ({ query, headers }) => {
    const before = (await listSnapshots()).length;
    const res = await importArchive(query, headers);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("BAD_REQUEST");
    expect(body.error.message).toMatch(/keepSpecialBits/);
    expect((await listSnapshots()).length).toBe(before);
    expect(await tmpFiles()).toEqual([]);
  });
});

describe("import and restore dialogs", () => {
  let context: BrowserContext;
  let page: Page;
  const browserErrors: string[] = [];
  const panel = () => page.getByRole("region", { name: "Snapshots", exact: true });
  const rowOf = (label: string) => panel().getByRole("row").filter({ hasText: label });
  const stripStep = "This snapshot was imported without “Keep special permission bits”";

  beforeAll(async () => {
    ({ context, page } = await newEnglishPage(browser, app.url, browserErrors));
    await signIn(page, app.admin.email, app.admin.password);
    await page.goto(`/workloads/${workloadId}`);
    await page.getByRole("heading", { level: 1, name: NAME }).waitFor();
  });
  afterAll(() => context?.close());

  /** Imports the setuid archive through the dialog; returns the URL the upload went to. */
  async function importThroughDialog(label: string, tick: boolean): Promise<URL> {
    await panel().getByRole("button", { name: "Import…" }).click();
    const dialog = page.getByRole("dialog", { name: "Import a snapshot" });
    const box = dialog.getByLabel("Keep special permission bits (setuid/setgid)");
    expect(await box.isChecked()).toBe(false);
    await dialog
      .getByText("Only tick this for archives you trust: a setuid program runs with its owner's rights.", { exact: false })
      .waitFor();
    await dialog.getByLabel("Label (optional)").fill(label);
    await dialog
      .getByLabel("Archive file")
      .setInputFiles({ name: `${label}.tar.gz`, mimeType: "application/gzip", buffer: setuidArchive() });
    if (tick) {
      await box.check();
      await screenshot(page, "special-bits-00-import-dialog");
    }
    const [request] = await Promise.all([
      page.waitForRequest((r) => r.method() === "POST" && r.url().includes("/snapshots/import")),
      dialog.getByRole("button", { name: "Upload and import" }).click(),
    ]);
    await dialog
      .getByRole("status")
      .filter({ hasText: `Imported as ${label}` })
      .waitFor({ timeout: 60_000 });
    await dialog
      .getByText(
        tick
          ? "A restore of this snapshot keeps setuid and setgid on its files."
          : "A restore of this snapshot removes setuid and setgid from its files",
      )
      .waitFor();
    if (tick) await screenshot(page, "special-bits-01-imported-trusted");
    await dialog.getByRole("button", { name: "Done" }).click();
    await dialog.waitFor({ state: "detached" });
    return new URL(request.url());
  }

  it("offers the box off by default and sends it only when ticked; the list marks the trusted import", async () => {
    const trusted = await importThroughDialog("trusted", true);
    expect(trusted.searchParams.getAll("keepSpecialBits")).toEqual(["1"]);
    const untrusted = await importThroughDialog("untrusted", false);
    expect(untrusted.searchParams.has("keepSpecialBits")).toBe(false);

    const listed = await listSnapshots();
    expect(listed.find((s) => s.label === "trusted")?.keepSpecialBits).toBe(true);
    expect(listed.find((s) => s.label === "untrusted")?.keepSpecialBits).toBe(false);
    await rowOf("untrusted").getByText("Imported", { exact: true }).waitFor();
    await rowOf("trusted").filter({ hasNotText: "untrusted" }).getByText("Keeps setuid/setgid", { exact: true }).waitFor();
    expect(await rowOf("untrusted").getByText("Keeps setuid/setgid").count()).toBe(0);
  });

  it("restoring an untrusted import: the dialog says so first, the outcome lists the files stripped", async () => {
    // A trusted import's restore dialog has no such step.
    await rowOf("trusted").filter({ hasNotText: "untrusted" }).getByRole("button", { name: "Restore snapshot trusted" }).click();
    const trustedDialog = page.getByRole("dialog", { name: "Restore snapshot trusted?" });
    await trustedDialog.getByText("This volume is replaced entirely", { exact: false }).waitFor();
    expect(await trustedDialog.getByText(stripStep, { exact: false }).count()).toBe(0);
    await trustedDialog.getByRole("button", { name: "Cancel" }).click();
    await trustedDialog.waitFor({ state: "detached" });

    await rowOf("untrusted").getByRole("button", { name: "Restore snapshot untrusted" }).click();
    // Found by role: its title changes when the restore has finished.
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("heading", { name: "Restore snapshot untrusted?" }).waitFor();
    await dialog.getByText(stripStep, { exact: false }).waitFor();
    await dialog.getByLabel("To confirm, type untrusted").fill("untrusted");
    await dialog.getByRole("button", { name: "Restore now" }).click();
    await dialog.getByRole("status").filter({ hasText: "Snapshot untrusted was restored." }).waitFor({ timeout: 120_000 });

    const notice = dialog.getByTestId("restore-stripped-special-bits");
    await notice.getByText(`Special permission bits were removed from ${SETUID_FILES} files`).waitFor();
    expect(await notice.getByRole("listitem").count()).toBe(SETUID_FILES - 1);
    await notice.getByRole("listitem").filter({ hasText: "/data/bin/f000" }).first().waitFor();
    await notice.getByText("…and 1 more file").waitFor();
    await screenshot(page, "special-bits-02-restore-outcome");

    // On disk: no setuid left on any of them.
    const bin = path.join(app.dataDir, "volumes/projects/trust/stages/production/data/bin");
    const names = await fs.readdir(bin);
    expect(names).toHaveLength(SETUID_FILES);
    for (const n of names) expect(((await fs.stat(path.join(bin, n))).mode & 0o7777).toString(8), n).toBe("755");

    await dialog.getByRole("button", { name: "Done" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(browserErrors).toEqual([]);
  });
});
