// Through the real Node server (`npm start`'s production build): the sign-in limiter keys on
// the socket's address (X-Forwarded-For only from BERTH_TRUSTED_PROXIES), and every response
// carries the security headers, with pages still hydrating under the CSP.
import http from "node:http";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type AppServer, startAppServer } from "../support/app-server";
import { launchBrowser, newEnglishPage } from "../support/browser";
import { createApiToken, createDataWorkload, trpcHttp } from "../support/trpc-http";

// Loopback has all of 127/8: clients bind to different source addresses to be different peers.
const TRUSTED_PROXY = "127.0.0.3";
let app: AppServer;
let admin: string;
let browser: Browser;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function send(from: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  const url = new URL(path, app.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, localAddress: from, agent: false },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** One next-auth credentials sign-in, as the login form makes it: "ok" or the error it shows. */
async function signIn(from: string, email: string, password: string, forwardedFor?: string): Promise<string> {
  const xff: Record<string, string> = forwardedFor ? { "x-forwarded-for": forwardedFor } : {};
  const csrf = await send(from, "GET", "/api/auth/csrf", xff);
  const cookie = (csrf.headers["set-cookie"] ?? []).map((c) => c.split(";")[0]).join("; ");
  const form = new URLSearchParams({ email, password, csrfToken: JSON.parse(csrf.body).csrfToken, json: "true" });
  const res = await send(
    from,
    "POST",
    "/api/auth/callback/credentials",
    { ...xff, cookie, "content-type": "application/x-www-form-urlencoded" },
    form.toString(),
  );
  const error = new URL(JSON.parse(res.body).url, app.url).searchParams.get("error");
  return error ?? "ok";
}

// The reason code the login form translates (src/shared/encoded-reason.ts).
const INVALID = JSON.stringify({ reason: "invalid-credentials" });
const LIMITED = /^\{"reason":"too-many-attempts","params":\{"minutes":\d+\}\}$/;

beforeAll(async () => {
  [app, browser] = await Promise.all([startAppServer({ BERTH_TRUSTED_PROXIES: `${TRUSTED_PROXY}/32` }), launchBrowser()]);
  admin = createApiToken(app.dataDir, "admin");
  for (const name of ["rotate", "victim", "proxied"]) {
    await trpcHttp(app.url, admin).mutate("user.create", { email: `${name}@berth.test`, password: "right-password", role: "VIEWER" });
  }
});

afterAll(async () => {
  if (process.env.BERTH_TEST_VERBOSE) console.error(app?.logs());
  await browser?.close();
  await app?.stop();
});

describe("sign-in limiter behind the real server", () => {
  it("is not reset by rotating X-Forwarded-For", async () => {
    for (let i = 0; i < 5; i++) expect(await signIn("127.0.0.1", "rotate@berth.test", "wrong", `198.51.100.${i}`)).toBe(INVALID);
    expect(await signIn("127.0.0.1", "rotate@berth.test", "right-password", "198.51.100.99")).toMatch(LIMITED);
  });

  it("cannot be aimed at a victim's address by spoofing X-Forwarded-For", async () => {
    // The attacker (127.0.0.2) claims to be the victim (127.0.0.1).
    for (let i = 0; i < 5; i++) expect(await signIn("127.0.0.2", "victim@berth.test", "wrong", "127.0.0.1")).toBe(INVALID);
    expect(await signIn("127.0.0.1", "victim@berth.test", "right-password")).toBe("ok");
    expect(await signIn("127.0.0.2", "victim@berth.test", "right-password", "127.0.0.1")).toMatch(LIMITED);
  });

  it("believes a trusted proxy's right-most untrusted hop, and nothing a client wrote before it", async () => {
    for (let i = 0; i < 5; i++) {
      expect(await signIn(TRUSTED_PROXY, "proxied@berth.test", "wrong", `192.0.2.${i}, 203.0.113.7`)).toBe(INVALID);
    }
    expect(await signIn(TRUSTED_PROXY, "proxied@berth.test", "right-password", "192.0.2.50, 203.0.113.7")).toMatch(LIMITED);
    expect(await signIn(TRUSTED_PROXY, "proxied@berth.test", "right-password", "203.0.113.7, 127.0.0.3")).toMatch(LIMITED);
    expect(await signIn(TRUSTED_PROXY, "proxied@berth.test", "right-password", "203.0.113.8")).toBe("ok");
  });
});

describe("security headers", () => {
  const expectSecurityHeaders = (reply: Reply, what: string) => {
    expect(reply.headers["content-security-policy"], what).toMatch(/frame-ancestors 'none'/);
    expect(reply.headers["content-security-policy"], what).toMatch(/default-src 'self'/);
    expect(reply.headers["x-frame-options"], what).toBe("DENY");
    expect(reply.headers["x-content-type-options"], what).toBe("nosniff");
    expect(reply.headers["referrer-policy"], what).toBe("same-origin");
  };

  it("are on pages, API calls, sign-in and the download route", async () => {
    const bearer = { authorization: `Bearer ${admin}` };
    const call = <T>(procedure: string, input: unknown) => trpcHttp(app.url, admin).mutate<T>(procedure, input);
    const workloadId = await createDataWorkload(call, { project: "headers", name: "files", source: "files", image: inject("testImage") });
    await call("workload.deploy", { id: workloadId });
    const snapshot = await call<{ id: string }>("snapshot.create", { workloadId, label: "headers" });

    const replies: Record<string, Reply> = {
      page: await send("127.0.0.1", "GET", "/login"),
      trpc: await send("127.0.0.1", "GET", "/api/trpc/me.get", bearer),
      "trpc refusal": await send("127.0.0.1", "GET", "/api/trpc/me.get"),
      "auth route": await send("127.0.0.1", "GET", "/api/auth/csrf"),
      download: await send("127.0.0.1", "GET", `/api/snapshots/${snapshot.id}/download`, bearer),
      "download refusal": await send("127.0.0.1", "GET", `/api/snapshots/${snapshot.id}/download`),
      "static asset": await send("127.0.0.1", "GET", "/favicon.ico"),
    };
    expect(replies.page!.status).toBe(200);
    expect(replies.trpc!.status).toBe(200);
    expect(replies.download!.status).toBe(200);
    expect(replies.download!.headers["content-type"]).toBe("application/gzip");
    expect(replies["download refusal"]!.status).toBe(401);
    for (const [what, reply] of Object.entries(replies)) expectSecurityHeaders(reply, what);
  });

  it("leave the production pages working: the login form hydrates and signs in, with no CSP violation", async () => {
    const errors: string[] = [];
    const { context, page } = await newEnglishPage(browser, app.url, errors);
    const violations: string[] = [];
    await page.exposeFunction("reportCspViolation", (v: string) => violations.push(v));
    await page.addInitScript(() =>
      document.addEventListener("securitypolicyviolation", (e) =>
        (window as unknown as { reportCspViolation: (v: string) => void }).reportCspViolation(`${e.violatedDirective} ${e.blockedURI}`),
      ),
    );
    await page.goto("/login");
    await page.getByLabel("Email").fill(app.admin.email);
    await page.getByLabel("Password").fill(app.admin.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((url) => url.pathname === "/");
    await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
    await page.goto("/workloads");
    await page.getByRole("heading", { level: 1, name: "Workloads" }).waitFor();
    await page.goto("/settings");
    await page.getByRole("heading", { level: 1 }).waitFor();
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
