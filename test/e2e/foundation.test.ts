// The Foundation UI in a real browser against a production build (`next start`):
// sign-in errors and success, the EN/RU switch (cookie + saved preference), API tokens
// (secret shown once, listed, working, revoked), and sign-out (which ends the session everywhere).
import fs from "node:fs/promises";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

const meWithBearer = (secret: string) => fetch(`${app.url}/api/trpc/me.get`, { headers: { authorization: `Bearer ${secret}` } });

/** The sign-in page, whatever page it is to return to (`?next=`). */
const atLogin = (url: URL) => url.pathname === "/login";

async function signIn(page: Page, password: string) {
  await page.getByLabel(/^(Email|Электронная почта)$/).fill(app.admin.email);
  await page.getByLabel(/^(Password|Пароль)$/).fill(password);
  await page.getByRole("button", { name: /^(Sign in|Войти)$/ }).click();
}

describe("foundation UI", () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await newContext(browser, app.url);
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.url });
    page = await context.newPage();
    // Hydration mismatches and client exceptions show up here; failed requests (the wrong
    // password's 401) are expected and left out.
    page.on("pageerror", (error) => browserErrors.push(error.message));
    page.on("console", (msg) => {
      if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource")) browserErrors.push(msg.text());
    });
  });
  afterAll(() => context?.close());
  const browserErrors: string[] = [];

  it("sends anonymous visitors to the login page and rejects a wrong password", async () => {
    await page.goto("/settings");
    await page.waitForURL(atLogin);
    // The sign-in page remembers where the visitor was going.
    expect(new URL(page.url()).searchParams.get("next")).toBe("/settings");
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await screenshot(page, "foundation-01-login");

    await signIn(page, "not-the-password");
    const alert = page.getByRole("alert").filter({ hasText: "Invalid email or password." });
    await alert.waitFor();
    expect(new URL(page.url()).pathname).toBe("/login");
    await screenshot(page, "foundation-02-login-error");
  });

  it("signs in and lands on the workloads page with an honest empty state", async () => {
    await page.getByLabel("Password").fill(app.admin.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    // Signing in returns to the page the visitor asked for; the workloads page is one click away.
    await page.waitForURL((url) => url.pathname === "/settings");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Workloads" }).click();
    await page.waitForURL("**/workloads");
    await page.getByRole("heading", { level: 1, name: "Workloads" }).waitFor();
    await page.getByText("No workloads yet.").waitFor();
    const nav = page.getByRole("navigation", { name: "Main" });
    expect(await nav.getByRole("link", { name: "Workloads" }).getAttribute("aria-current")).toBe("page");
    await page.getByText(app.admin.email).waitFor();
    await page.getByRole("banner").getByText("Admin", { exact: true }).waitFor();
    // The test app server talks to the private test engine: no Docker warning.
    expect(await page.getByText("Docker engine unreachable").count()).toBe(0);
    for (const locator of [
      page.getByText("Containers that Berth runs"),
      nav.getByRole("link", { name: "Snapshots" }),
      page.getByRole("banner").getByText("Admin", { exact: true }),
      page.getByRole("banner").getByRole("button", { name: "English" }),
    ]) {
      expect(await contrastOf(locator), String(locator)).toBeGreaterThanOrEqual(4.5);
    }
    await screenshot(page, "foundation-03-workloads");
  });

  it("switches to Russian", async () => {
    await page.getByRole("button", { name: "Русский" }).click();
    const nav = page.getByRole("navigation", { name: "Главное меню" });
    await nav.getByRole("link", { name: "Настройки" }).waitFor();
    await nav.getByRole("link", { name: "Нагрузки" }).waitFor();
    await nav.getByRole("link", { name: "Снимки" }).waitFor();
    await page.getByRole("heading", { level: 1, name: "Нагрузки" }).waitFor();
    await page.getByRole("button", { name: "Выйти" }).waitFor();
    expect(await page.locator("html").getAttribute("lang")).toBe("ru");
    expect(await page.getByRole("button", { name: "Русский" }).getAttribute("aria-pressed")).toBe("true");
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === "berth-locale")?.value).toBe("ru");
    await screenshot(page, "foundation-04-russian");
  });

  let secret = "";

  it("creates an API token and shows its secret exactly once", async () => {
    await page.getByRole("navigation", { name: "Главное меню" }).getByRole("link", { name: "Настройки" }).click();
    await page.waitForURL("**/settings");
    await page.getByRole("heading", { level: 1, name: "Настройки" }).waitFor();
    await page.getByRole("navigation", { name: "Разделы настроек" }).getByRole("link", { name: "API-токены" }).click();
    await page.waitForURL("**/settings?tab=tokens");
    await page.getByText("API-токенов пока нет.").waitFor();

    // Keyboard: the dialog takes focus, Esc closes it and focus returns to its trigger.
    const createButton = page.getByRole("button", { name: "Создать токен" });
    await createButton.click();
    const createDialog = page.getByRole("dialog", { name: "Новый API-токен" });
    await createDialog.waitFor();
    expect(await createDialog.evaluate((el) => el.contains(document.activeElement))).toBe(true);
    await page.keyboard.press("Escape");
    await createDialog.waitFor({ state: "detached" });
    // Radix gives focus back once the dialog has unmounted, a tick after it left the DOM.
    await expect.poll(() => createButton.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press("Enter");
    await createDialog.waitFor();
    await createDialog.getByLabel("Название").fill("e2e backup script");
    await createDialog.getByLabel("Роль").selectOption("VIEWER");
    await createDialog.getByLabel("Срок действия").selectOption({ label: "30 дней" });
    await screenshot(page, "foundation-05-token-create");
    await createDialog.getByRole("button", { name: "Создать токен" }).click();

    const secretDialog = page.getByRole("dialog", { name: "Токен создан" });
    await secretDialog.waitFor();
    await secretDialog.getByText("Этот секрет больше не будет показан.", { exact: false }).waitFor();
    secret = await secretDialog.getByLabel("Секрет токена").inputValue();
    expect(secret).toMatch(/^berth_[A-Za-z0-9_-]{40,}$/);
    await secretDialog.getByRole("button", { name: "Копировать" }).click();
    await secretDialog.getByRole("button", { name: "Скопировано" }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await screenshot(page, "foundation-06-token-secret");

    await secretDialog.getByRole("button", { name: "Готово" }).click();
    await secretDialog.waitFor({ state: "detached" });

    const row = page.getByRole("row").filter({ hasText: "e2e backup script" });
    await row.waitFor();
    await row.getByText("Активен").waitFor();
    await row.getByText(app.admin.email).waitFor();
    await row.getByText("Никогда").waitFor();
    // It expires in 30 days: that date in the Expires column, not "no expiry".
    const shown = await row.locator("time").evaluateAll((els) => els.map((el) => Date.parse(el.getAttribute("datetime")!)));
    expect(shown.some((t) => Math.abs(t - (Date.now() + 30 * 86_400_000)) < 10 * 60_000)).toBe(true);
    expect(await row.getByText("Бессрочно").count()).toBe(0);
    // Shown once: the secret is nowhere on the page any more, not even after a reload.
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    await page.getByRole("row").filter({ hasText: "e2e backup script" }).waitFor();
    expect(await page.content()).not.toContain(secret);

    // And it is a real, working token.
    const res = await meWithBearer(secret);
    expect(res.status).toBe(200);
    await screenshot(page, "foundation-07-token-listed");
  });

  it("revokes the token after confirmation", async () => {
    const row = page.getByRole("row").filter({ hasText: "e2e backup script" });
    await row.getByRole("button", { name: "Отозвать токен e2e backup script" }).click();
    const confirm = page.getByRole("dialog", { name: "Отозвать API-токен?" });
    await confirm.waitFor();
    // Cancel first: nothing changes.
    await confirm.getByRole("button", { name: "Отмена" }).click();
    await confirm.waitFor({ state: "detached" });
    await row.getByText("Активен").waitFor();

    await row.getByRole("button", { name: "Отозвать токен e2e backup script" }).click();
    await confirm.waitFor();
    await screenshot(page, "foundation-08-token-revoke-confirm");
    await confirm.getByRole("button", { name: "Отозвать токен" }).click();
    await confirm.waitFor({ state: "detached" });
    await row.getByText("Отозван").waitFor();
    expect(await row.getByRole("button", { name: /Отозвать/ }).count()).toBe(0);

    const res = await meWithBearer(secret);
    expect(res.status).toBe(401);
    await screenshot(page, "foundation-09-token-revoked");
  });

  it("logs out to the login page, and the session cookie is useless afterwards", async () => {
    // A copy of the cookie, as someone who stole it would keep it.
    const session = (await context.cookies()).find((c) => c.name === "next-auth.session-token");
    expect(session).toBeDefined();
    const meWithCookie = () => fetch(`${app.url}/api/trpc/me.get`, { headers: { cookie: `${session!.name}=${session!.value}` } });
    expect((await meWithCookie()).status).toBe(200);

    await page.getByRole("button", { name: "Выйти" }).click();
    await page.waitForURL(atLogin);
    await page.getByRole("heading", { name: "Вход" }).waitFor();
    const stolen = await meWithCookie();
    expect(stolen.status).toBe(401);
    expect(await stolen.text()).toContain("Your session has ended");
    await screenshot(page, "foundation-10-logged-out");
    await page.goto("/settings");
    await page.waitForURL(atLogin);
    // The login page has its own language switch (cookie only: nobody is signed in).
    await page.getByRole("button", { name: "English" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    expect(browserErrors).toEqual([]);
  });
});

describe("data at rest", () => {
  it("keeps the database and the secret key readable by Berth's user only", async () => {
    const mode = async (name: string) => (await fs.stat(path.join(app.dataDir, name))).mode & 0o777;
    expect(await mode(".")).toBe(0o700);
    expect(await mode("berth.db")).toBe(0o600);
    expect(await mode("secret-key")).toBe(0o600);
  });
});

describe("user management", () => {
  it("creates a viewer, who sees only Settings → Account; changes the role and deletes the user", async () => {
    const admin = await newContext(browser, app.url);
    const viewer = await newContext(browser, app.url);
    await admin.addCookies([{ name: "berth-locale", value: "en", url: app.url }]);
    await viewer.addCookies([{ name: "berth-locale", value: "en", url: app.url }]);
    try {
      const page = await admin.newPage();
      await page.goto("/login");
      await signIn(page, app.admin.password);
      await page.waitForURL((url) => url.pathname === "/");
      await page.goto("/settings?tab=users");
      await page.getByRole("heading", { name: "Users", level: 2 }).waitFor();

      await page.getByRole("button", { name: "Create user" }).click();
      const dialog = page.getByRole("dialog", { name: "Create user" });
      await dialog.getByLabel("Email").fill("viewer@berth.test");
      await dialog.getByLabel("Name").fill("Vera Viewer");
      await dialog.getByLabel("Password").fill("short");
      await dialog.getByLabel("Role").selectOption("VIEWER");
      // The browser's own minlength check is bypassed so the server's field error shows inline.
      await dialog.getByLabel("Password").evaluate((el) => el.removeAttribute("minlength"));
      await dialog.getByRole("button", { name: "Create user" }).click();
      await dialog.getByText("Password must be at least 8 characters").waitFor();
      expect(await dialog.getByLabel("Password").getAttribute("aria-invalid")).toBe("true");
      await screenshot(page, "foundation-14-user-create-error");
      await dialog.getByLabel("Password").fill("viewer-password-1");
      await dialog.getByRole("button", { name: "Create user" }).click();
      await dialog.waitFor({ state: "detached" });
      const row = page.getByRole("row").filter({ hasText: "viewer@berth.test" });
      await row.getByText("Vera Viewer").waitFor();
      expect(await row.getByLabel("Role for viewer@berth.test").inputValue()).toBe("VIEWER");
      // The signed-in admin cannot delete themselves.
      expect(await page.getByRole("button", { name: "Delete admin@berth.test" }).isDisabled()).toBe(true);
      await screenshot(page, "foundation-15-users");

      const vpage = await viewer.newPage();
      await vpage.goto("/login");
      await vpage.getByLabel("Email").fill("viewer@berth.test");
      await vpage.getByLabel("Password").fill("viewer-password-1");
      await vpage.getByRole("button", { name: "Sign in" }).click();
      await vpage.waitForURL((url) => url.pathname === "/");
      await vpage.getByRole("banner").getByText("Viewer", { exact: true }).waitFor();
      await vpage.goto("/settings?tab=tokens");
      await vpage.getByText("Managing users, API tokens, alert targets and storage targets requires the admin role.").waitFor();
      await vpage.getByRole("heading", { name: "Account" }).waitFor();
      expect(await vpage.getByRole("link", { name: "API tokens" }).count()).toBe(0);
      expect(await vpage.getByRole("heading", { name: "API tokens" }).count()).toBe(0);
      await screenshot(vpage, "foundation-16-viewer-settings");

      // Promote: the viewer's next page load shows the admin role (roles are re-read per request).
      await row.getByLabel("Role for viewer@berth.test").selectOption("ADMIN");
      await page.waitForFunction(() => !document.querySelector("[aria-busy=true]"));
      await vpage.reload();
      await vpage.getByRole("link", { name: "API tokens" }).waitFor();

      await row.getByRole("button", { name: "Delete viewer@berth.test" }).click();
      const confirm = page.getByRole("dialog", { name: "Delete user?" });
      await confirm.getByText("viewer@berth.test will no longer be able to sign in.", { exact: false }).waitFor();
      await confirm.getByRole("button", { name: "Delete user" }).click();
      await confirm.waitFor({ state: "detached" });
      await row.waitFor({ state: "detached" });
      // Focus lands on the section heading, not on <body>.
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Users");

      await vpage.reload();
      await vpage.waitForURL(atLogin);
    } finally {
      await admin.close();
      await viewer.close();
    }
  });
});

describe("docker banner", () => {
  it("warns on every signed-in page when the Docker engine is unreachable", async () => {
    const down = await startAppServer({ DOCKER_HOST: "unix:///nonexistent/berth-test-docker.sock" });
    const context = await newContext(browser, down.url);
    try {
      const page = await context.newPage();
      await page.goto("/login");
      await page.getByLabel("Email").fill(down.admin.email);
      await page.getByLabel("Password").fill(down.admin.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL((url) => url.pathname === "/");
      await page.getByRole("alert").filter({ hasText: "Docker engine unreachable" }).waitFor();
      await screenshot(page, "foundation-17-docker-unreachable");
    } finally {
      await context.close();
      await down.stop();
    }
  });
});

/** WCAG contrast ratio of an element's text against the first opaque background behind it. */
async function contrastOf(locator: ReturnType<Page["locator"]>): Promise<number> {
  return locator.first().evaluate((el) => {
    const parse = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
    const lum = ([r, g, b]: number[]) => {
      const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
    };
    const fg = parse(getComputedStyle(el).color);
    let node: Element | null = el;
    let bg = [255, 255, 255];
    while (node) {
      const c = parse(getComputedStyle(node).backgroundColor);
      if (c.length >= 3 && (c.length === 3 || c[3]! > 0.9)) {
        bg = c.slice(0, 3);
        break;
      }
      node = node.parentElement;
    }
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    return (a! + 0.05) / (b! + 0.05);
  });
}

describe("saved language and dark mode", () => {
  it("a fresh browser gets the language saved to the account, in a readable dark theme", async () => {
    const context = await newContext(browser, app.url, { colorScheme: "dark" });
    try {
      const page = await context.newPage();
      await page.goto("/login");
      await page.getByRole("heading", { name: "Sign in" }).waitFor();
      await screenshot(page, "foundation-11-login-dark");
      await signIn(page, app.admin.password);
      await page.waitForURL((url) => url.pathname === "/");
      // No cookie in this context: Russian comes from me.setLocale in the first session.
      await page.getByRole("navigation", { name: "Главное меню" }).getByRole("link", { name: "Настройки" }).waitFor();
      await page.goto("/settings?tab=tokens");
      await page.getByRole("row").filter({ hasText: "e2e backup script" }).getByText("Отозван").waitFor();
      const colors = await page.evaluate(() => {
        const s = getComputedStyle(document.body);
        return { bg: s.backgroundColor, fg: s.color };
      });
      expect(colors.bg).not.toBe("rgb(255, 255, 255)");
      // Text stays readable (WCAG AA, 4.5:1) on the dark palette.
      for (const locator of [
        page.getByRole("button", { name: "Создать токен" }),
        page.getByRole("banner").getByRole("button", { name: "Русский" }),
        page.getByText("Токены позволяют скриптам"),
        page.getByText("Отозван", { exact: true }),
        page.getByRole("columnheader", { name: "Роль" }),
        page.getByRole("banner").getByText("Администратор"),
      ]) {
        expect(await contrastOf(locator), String(locator)).toBeGreaterThanOrEqual(4.5);
      }
      await screenshot(page, "foundation-12-tokens-dark");

      // Back to English for this browser only (cookie), then the account section shows it.
      await page.getByRole("link", { name: "Учётная запись" }).click();
      await page.waitForURL("**/settings?tab=account");
      await page.getByRole("main").getByRole("button", { name: "English" }).click();
      await page.getByRole("heading", { level: 1, name: "Settings" }).waitFor();
      await page.getByRole("heading", { name: "Account" }).waitFor();
      await screenshot(page, "foundation-13-account-dark");
    } finally {
      await context.close();
    }
  });
});
