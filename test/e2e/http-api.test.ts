import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppServer, startAppServer } from "../support/app-server";

// The public HTTP contract, against the production server started the way `npm start` does.
let app: AppServer;
beforeAll(async () => {
  app = await startAppServer();
});
afterAll(async () => {
  await app?.stop();
});

const trpcGet = (procedure: string, headers: Record<string, string> = {}) => fetch(`${app.url}/api/trpc/${procedure}`, { headers });

const trpcPost = (procedure: string, json: unknown, headers: Record<string, string> = {}) =>
  fetch(`${app.url}/api/trpc/${procedure}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ json }),
  });

/** Signs in through next-auth's own endpoints, as a browser form would. */
async function signInCookie(email: string, password: string): Promise<string | null> {
  const csrfRes = await fetch(`${app.url}/api/auth/csrf`);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const csrfCookie = csrfRes.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const res = await fetch(`${app.url}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: csrfCookie },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
  });
  const session = res.headers.getSetCookie().find((c) => c.startsWith("next-auth.session-token="));
  return session ? session.split(";")[0]! : null;
}

describe("health", () => {
  it("reports the database and the Docker engine without authentication", async () => {
    const res = await fetch(`${app.url}/api/health`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ db: "ok", version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(["ok", "unreachable"]).toContain(body.docker);
  });
});

describe("authentication over HTTP", () => {
  let adminCookie: string;
  let adminToken: string;
  let viewerToken: string;

  beforeAll(async () => {
    adminCookie = (await signInCookie(app.admin.email, app.admin.password))!;
    expect(adminCookie).toBeTruthy();
    const sameOrigin = { cookie: adminCookie, origin: app.url };
    const create = async (name: string, role: string) => {
      const res = await trpcPost("token.create", { name, role }, sameOrigin);
      expect(res.status).toBe(200);
      return ((await res.json()) as { result: { data: { json: { secret: string } } } }).result.data.json.secret;
    };
    adminToken = await create("http-admin", "ADMIN");
    viewerToken = await create("http-viewer", "VIEWER");
  });

  it("refuses a wrong password with the message and sets no session", async () => {
    expect(await signInCookie(app.admin.email, "not-the-password")).toBeNull();
  });

  it("answers anonymous calls with 401 and too-weak roles with 403", async () => {
    const anon = await trpcGet("user.list");
    expect(anon.status).toBe(401);
    expect(JSON.stringify(await anon.json())).toContain("UNAUTHORIZED");
    const viewer = await trpcGet("user.list", { authorization: `Bearer ${viewerToken}` });
    expect(viewer.status).toBe(403);
    expect(JSON.stringify(await viewer.json())).toContain("FORBIDDEN");
    const unknown = await trpcGet("me.get", { authorization: "Bearer berth_unknown" });
    expect(unknown.status).toBe(401);
    expect(JSON.stringify(await unknown.json())).toContain("Invalid or revoked API token");
  });

  it("serves tokens and sessions with their roles", async () => {
    const viaToken = await trpcGet("user.list", { authorization: `Bearer ${adminToken}` });
    expect(viaToken.status).toBe(200);
    const viaCookie = await trpcGet("me.get", { cookie: adminCookie });
    expect(viaCookie.status).toBe(200);
    expect(JSON.stringify(await viaCookie.json())).toContain(app.admin.email);
  });

  it("refuses a cross-site cookie mutation with 403 but not a bearer one", async () => {
    const cross = await trpcPost("token.create", { name: "csrf", role: "ADMIN" }, { cookie: adminCookie, origin: "http://evil.example" });
    expect(cross.status).toBe(403);
    const fetchSite = await trpcPost(
      "token.create",
      { name: "csrf", role: "ADMIN" },
      { cookie: adminCookie, "sec-fetch-site": "cross-site" },
    );
    expect(fetchSite.status).toBe(403);
    const bearer = await trpcPost(
      "token.create",
      { name: "script", role: "VIEWER" },
      { authorization: `Bearer ${adminToken}`, origin: "http://evil.example" },
    );
    expect(bearer.status).toBe(200);
  });

  it("answers malformed input with 400 and the validation message, and never leaks a stack", async () => {
    const res = await trpcPost("user.create", { email: "nope", password: "x", role: "ROOT" }, { authorization: `Bearer ${adminToken}` });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain("BAD_REQUEST");
    expect(text).toMatch(/email/i);
    expect(text).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect(text).not.toContain("/work/");
  });
});
