// The address that keys the sign-in limiter: the socket's peer, X-Forwarded-For only from
// trusted proxies, and the header the Node server hands to Next (which no client can set).
import { spawnSync } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientAddress, compileTrustedProxies, resolveClientAddress, stampClientAddress } from "~/server/auth/client-address";

const root = path.resolve(import.meta.dirname, "../..");
const request = (remoteAddress: string, forwardedFor?: string) =>
  ({ socket: { remoteAddress }, headers: forwardedFor ? { "x-forwarded-for": forwardedFor } : {} }) as Parameters<
    typeof resolveClientAddress
  >[0];

describe("resolveClientAddress", () => {
  const none = compileTrustedProxies([]);
  const proxies = compileTrustedProxies(["10.0.0.0/8", "fd00::/8"]);

  it("uses the peer address and ignores X-Forwarded-For without trusted proxies", () => {
    expect(resolveClientAddress(request("198.51.100.1"), none)).toBe("198.51.100.1");
    expect(resolveClientAddress(request("198.51.100.1", "203.0.113.7"), none)).toBe("198.51.100.1");
    expect(resolveClientAddress(request("10.0.0.5", "203.0.113.7"), none)).toBe("10.0.0.5");
  });

  it("ignores X-Forwarded-For from a peer that is not a trusted proxy", () => {
    expect(resolveClientAddress(request("198.51.100.1", "203.0.113.7, 10.0.0.4"), proxies)).toBe("198.51.100.1");
  });

  it("takes the right-most hop that is not a trusted proxy, whatever the client wrote left of it", () => {
    expect(resolveClientAddress(request("10.0.0.5", "203.0.113.7"), proxies)).toBe("203.0.113.7");
    expect(resolveClientAddress(request("10.0.0.5", "1.1.1.1, 203.0.113.7"), proxies)).toBe("203.0.113.7");
    expect(resolveClientAddress(request("10.0.0.5", "1.1.1.1, 203.0.113.7, 10.9.9.9"), proxies)).toBe("203.0.113.7");
    expect(resolveClientAddress(request("10.0.0.5"), proxies)).toBe("10.0.0.5");
  });

  it("handles IPv6 and IPv4-mapped peers", () => {
    expect(resolveClientAddress(request("fd00::1", "2001:db8::5"), proxies)).toBe("2001:db8::5");
    expect(resolveClientAddress(request("::ffff:10.0.0.5", "203.0.113.7"), proxies)).toBe("203.0.113.7");
    expect(resolveClientAddress(request("2001:db8::9", "203.0.113.7"), proxies)).toBe("2001:db8::9");
  });
});

describe("the header the Node server hands to Next", () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    // What src/server/main.ts does on every request, then what the sign-in handler reads.
    server = http.createServer((req, res) => {
      stampClientAddress(req, compileTrustedProxies(["127.0.0.3"]));
      res.end(clientAddress(req.headers));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const get = (localAddress: string, headers: Record<string, string>) =>
    new Promise<string>((resolve, reject) => {
      http
        .get({ host: "127.0.0.1", port, localAddress, headers, agent: false }, (res) => {
          let body = "";
          res.on("data", (d) => (body += d));
          res.on("end", () => resolve(body));
        })
        .on("error", reject);
    });

  it("is the peer address, whatever a client sends in X-Forwarded-For or the header itself", async () => {
    const spoof = { "x-forwarded-for": "203.0.113.7", "x-berth-client-address": "192.0.2.1" };
    expect(await get("127.0.0.1", spoof)).toBe("127.0.0.1");
    expect(await get("127.0.0.2", spoof)).toBe("127.0.0.2");
  });

  it("is the forwarded client when the peer is a trusted proxy", async () => {
    expect(await get("127.0.0.3", { "x-forwarded-for": "1.1.1.1, 203.0.113.7", "x-berth-client-address": "192.0.2.1" })).toBe(
      "203.0.113.7",
    );
  });
});

describe("BERTH_TRUSTED_PROXIES", () => {
  const loadEnv = (value: string) =>
    spawnSync(
      process.execPath,
      ["--import", "tsx", "-e", "const { env } = await import('./src/env.ts'); console.log(JSON.stringify(env.BERTH_TRUSTED_PROXIES))"],
      {
        cwd: root,
        env: { ...process.env, NEXTAUTH_SECRET: "x".repeat(40), BERTH_TRUSTED_PROXIES: value },
        encoding: "utf8",
      },
    );

  it("accepts comma- or space-separated IPv4 and IPv6 addresses and CIDRs", () => {
    const res = loadEnv("10.0.0.0/8, fd00::/8 192.168.1.1,::1");
    expect(res.stderr).toBe("");
    expect(JSON.parse(res.stdout)).toEqual(["10.0.0.0/8", "fd00::/8", "192.168.1.1", "::1"]);
  });

  it("names the variable and each bad entry", () => {
    const res = loadEnv("10.0.0.0/33 proxy.example 10.0.0.1");
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/BERTH_TRUSTED_PROXIES: "10\.0\.0\.0\/33" is not an IPv4\/IPv6 address or CIDR/);
    expect(res.stderr).toMatch(/BERTH_TRUSTED_PROXIES: "proxy\.example" is not/);
  });
});
