// Accounts in a real browser against a production build: a user changes their own password under
// Settings → Account (wrong current password and a mistyped repeat refused under their fields;
// afterwards this browser stays signed in, another one is signed out, the new password signs
// in); an admin disables a viewer (their open session ends, they cannot sign in) and enables
// them again; an admin resets a password; `berth user disable|enable`; Russian; no page
// scrolls sideways at 1280 px or 390 px.
import { execFileSync } from "node:child_process";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppServer, startAppServer } from "../support/app-server";
import { expectNoSidewaysScroll, launchBrowser, newEnglishPage, screenshot, signIn } from "../support/browser";
import { createApiToken, trpcHttp } from "../support/trpc-http";

const root = path.resolve(import.meta.dirname, "../..");
const PHONE = { width: 390, height: 844 };

let app: AppServer;
let browser: Browser;
let api: ReturnType<typeof trpcHttp>;
const contexts: BrowserContext[] = [];
const browserErrors: string[] = [];

interface UserRow {
  id: string;
  email: string;
  disabledAt: string | null;
}

const OWNER = { email: "accounts-ui-owner@berth.test", password: "owner-password-1" };
const VIEWER = { email: "accounts-ui-viewer@berth.test", password: "viewer-password-1" };
const FORGETFUL = { email: "accounts-ui-reset@berth.test", password: "forgotten-password" };

async function englishPage(): Promise<Page> {
  const { context, page } = await newEnglishPage(browser, app.url, browserErrors);
  contexts.push(context);
  return page;
}

/** Tries the login form; resolves to where the browser is afterwards. */
async function trySignIn(page: Page, email: string, password: string): Promise<string> {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  // The form's own alert: Next's route announcer is a role="alert" too.
  await Promise.race([page.waitForURL((url) => url.pathname === "/"), page.locator("form").getByRole("alert").waitFor()]);
  return new URL(page.url()).pathname;
}

const userRow = (page: Page, email: string) => page.getByRole("row").filter({ hasText: email });

beforeAll(async () => {
  [app, browser] = await Promise.all([startAppServer(), launchBrowser()]);
  api = trpcHttp(app.url, createApiToken(app.dataDir, "admin"));
  await api.mutate("user.create", { ...OWNER, role: "ADMIN" });
  await api.mutate("user.create", { ...VIEWER, role: "VIEWER" });
  await api.mutate("user.create", { ...FORGETFUL, role: "VIEWER" });
});

afterAll(async () => {
  if (process.env.BERTH_TEST_VERBOSE) console.error(app?.logs());
  for (const context of contexts) await context.close();
  await browser?.close();
  await app?.stop();
});

describe("accounts UI", () => {
  it("changes one's own password: errors under their fields, this browser stays in, the other is signed out", async () => {
    const here = await englishPage();
    const elsewhere = await englishPage();
    await signIn(here, OWNER.email, OWNER.password);
    await signIn(elsewhere, OWNER.email, OWNER.password);

    await here.goto("/settings?tab=account");
    const form = here.getByRole("region", { name: "Change password" });
    await form.getByLabel("Current password").fill("not-my-password");
    await form.getByLabel("New password", { exact: true }).fill("owner-password-2");
    await form.getByLabel("Repeat the new password").fill("owner-password-3");
    await form.getByRole("button", { name: "Change password" }).click();
    await expect.poll(() => form.locator("#password-repeat-error").textContent()).toBe("The two new passwords differ.");
    expect(await form.getByLabel("Repeat the new password").getAttribute("aria-invalid")).toBe("true");

    await form.getByLabel("Repeat the new password").fill("owner-password-2");
    await form.getByRole("button", { name: "Change password" }).click();
    await expect.poll(() => form.locator("#password-current-error").textContent()).toBe("The current password is wrong.");
    expect(await here.evaluate(() => document.activeElement?.id)).toBe("password-current");

    await form.getByLabel("Current password").fill(OWNER.password);
    await form.getByRole("button", { name: "Change password" }).click();
    await here.getByText("Password changed. Other sessions were signed out.").waitFor();
    await screenshot(here, "accounts-ui-password-changed");

    // This browser is still signed in after a full load; the other one lands on the login page.
    await here.goto("/settings?tab=account");
    expect(new URL(here.url()).pathname).toBe("/settings");
    await here.getByRole("region", { name: "Change password" }).waitFor();
    await elsewhere.goto("/settings");
    expect(new URL(elsewhere.url()).pathname).toBe("/login");

    const fresh = await englishPage();
    expect(await trySignIn(fresh, OWNER.email, OWNER.password)).toBe("/login");
    expect(await trySignIn(fresh, OWNER.email, "owner-password-2")).toBe("/");
  });

  it("an admin disables a viewer (their session ends, sign-in refused) and enables them again", async () => {
    const viewer = await englishPage();
    await signIn(viewer, VIEWER.email, VIEWER.password);
    const admin = await englishPage();
    await signIn(admin, app.admin.email, app.admin.password);
    await admin.goto("/settings?tab=users");

    // One's own row cannot be disabled.
    expect(
      await userRow(admin, app.admin.email)
        .getByRole("button", { name: `Disable ${app.admin.email}` })
        .isDisabled(),
    ).toBe(true);

    await userRow(admin, VIEWER.email)
      .getByRole("button", { name: `Disable ${VIEWER.email}` })
      .click();
    const dialog = admin.getByRole("dialog", { name: "Disable user?" });
    await dialog.getByText(/sessions end now and their API tokens stop working/).waitFor();
    await dialog.getByRole("button", { name: "Disable user" }).click();
    await dialog.waitFor({ state: "detached" });
    await userRow(admin, VIEWER.email).getByText("disabled", { exact: true }).waitFor();
    await screenshot(admin, "accounts-ui-disabled");
    const listed = await api.query<UserRow[]>("user.list", undefined);
    expect(listed.find((u) => u.email === VIEWER.email)?.disabledAt).toBeTruthy();

    await viewer.goto("/settings");
    expect(new URL(viewer.url()).pathname).toBe("/login");
    expect(await trySignIn(viewer, VIEWER.email, VIEWER.password)).toBe("/login");
    // With the right password the form says why, rather than "something went wrong".
    await viewer.locator("form").getByRole("alert").getByText("This account is disabled; ask an administrator.").waitFor();

    await userRow(admin, VIEWER.email)
      .getByRole("button", { name: `Enable ${VIEWER.email}` })
      .click();
    const enable = admin.getByRole("dialog", { name: "Enable user?" });
    await enable.getByRole("button", { name: "Enable user" }).click();
    await enable.waitFor({ state: "detached" });
    await userRow(admin, VIEWER.email)
      .getByRole("button", { name: `Disable ${VIEWER.email}` })
      .waitFor();
    expect(await trySignIn(viewer, VIEWER.email, VIEWER.password)).toBe("/");
  });

  it("an admin resets another user's password", async () => {
    const admin = await englishPage();
    await signIn(admin, app.admin.email, app.admin.password);
    await admin.goto("/settings?tab=users");
    expect(
      await userRow(admin, app.admin.email)
        .getByRole("button", { name: `Reset the password of ${app.admin.email}` })
        .isDisabled(),
    ).toBe(true);
    await userRow(admin, FORGETFUL.email)
      .getByRole("button", { name: `Reset the password of ${FORGETFUL.email}` })
      .click();
    const dialog = admin.getByRole("dialog", { name: "Reset password" });
    await dialog.getByLabel("Password").fill("short");
    await dialog.getByRole("button", { name: "Set password" }).click();
    await dialog.getByText("Password must be at least 8 characters").waitFor();
    await dialog.getByLabel("Password").fill("remembered-password");
    await dialog.getByRole("button", { name: "Set password" }).click();
    await dialog.waitFor({ state: "detached" });
    await admin.getByText(`The password of ${FORGETFUL.email} was reset; their sessions ended.`).waitFor();

    const user = await englishPage();
    expect(await trySignIn(user, FORGETFUL.email, FORGETFUL.password)).toBe("/login");
    expect(await trySignIn(user, FORGETFUL.email, "remembered-password")).toBe("/");
  });

  it("berth user disable|enable does the same from the command line", async () => {
    const cli = (...args: string[]) =>
      execFileSync(path.join(root, "bin/berth.mjs"), ["user", ...args], {
        env: { ...process.env, BERTH_DATA_DIR: app.dataDir, DATABASE_URL: "" },
        encoding: "utf8",
      }).trim();
    const disabledAt = async () =>
      (await api.query<UserRow[]>("user.list", undefined)).find((u) => u.email === FORGETFUL.email)?.disabledAt;
    expect(cli("disable", "--email", FORGETFUL.email)).toBe(`disabled ${FORGETFUL.email}`);
    expect(await disabledAt()).toBeTruthy();
    expect(await trySignIn(await englishPage(), FORGETFUL.email, "remembered-password")).toBe("/login");
    expect(cli("enable", "--email", FORGETFUL.email)).toBe(`enabled ${FORGETFUL.email}`);
    expect(await disabledAt()).toBeNull();
  });

  it("speaks Russian, and no settings tab of these scrolls sideways at 1280 px or at 390 px", async () => {
    const page = await englishPage();
    await signIn(page, app.admin.email, app.admin.password);
    for (const viewport of [{ width: 1280, height: 800 }, PHONE]) {
      await page.setViewportSize(viewport);
      for (const tab of ["users", "account"]) {
        await page.goto(`/settings?tab=${tab}`);
        await page
          .getByRole("heading", { name: tab === "users" ? "Users" : "Account" })
          .first()
          .waitFor();
        await expectNoSidewaysScroll(page, `${tab} at ${viewport.width}`);
      }
    }
    // At 390 px a user's buttons are on screen, not pushed off it.
    await page.goto("/settings?tab=users");
    const disable = userRow(page, VIEWER.email).getByRole("button", { name: `Disable ${VIEWER.email}` });
    const box = await disable.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= PHONE.width).toBe(true);
    await screenshot(page, "accounts-ui-users-390");

    await page.context().addCookies([{ name: "berth-locale", value: "ru", url: app.url }]);
    await page.goto("/settings?tab=account");
    await page.getByRole("region", { name: "Смена пароля" }).getByLabel("Текущий пароль").waitFor();
    await expectNoSidewaysScroll(page, "account in Russian at 390");
    await page.goto("/settings?tab=users");
    await userRow(page, VIEWER.email)
      .getByRole("button", { name: `Отключить ${VIEWER.email}` })
      .click();
    const dialog = page.getByRole("dialog", { name: "Отключить пользователя?" });
    await dialog.getByText(/API-токены перестанут работать/).waitFor();
    await screenshot(page, "accounts-ui-russian-390");
    await dialog.getByRole("button", { name: "Отмена" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(browserErrors).toEqual([]);
  });
});
