import { describe, expect, it } from "vitest";
import { sendsTokenInClear } from "~/cli/remote/client";
import { CliError, networkProblem, toCliError } from "~/cli/remote/errors";
import { httpFetch } from "~/cli/remote/http";
import { restoreFailure } from "~/cli/remote/snapshots";
import { freePort as closedPort } from "../support/free-port";

describe("CLI failures", () => {
  it("a refused connection names the server and the cause, exit 1 (not 'fetch failed')", async () => {
    const port = await closedPort();
    const error = await httpFetch(`http://127.0.0.1:${port}/api/trpc/me.get`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect(error).toMatchObject({
      message: `cannot reach http://127.0.0.1:${port}: connection refused`,
      exitCode: 1,
      reason: "unreachable",
    });
  });

  it("finds the socket's code under fetch's and tRPC's wrappers, and in an AggregateError (both addresses of localhost)", () => {
    const socket = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    expect(networkProblem(new TypeError("fetch failed", { cause: socket }))).toBe("the connection was reset");
    const both = Object.assign(new AggregateError([Object.assign(new Error("x"), { code: "ECONNREFUSED" })], "x"), {});
    expect(networkProblem(new TypeError("fetch failed", { cause: both }))).toBe("connection refused");
    const tls = Object.assign(new Error("certificate has expired"), { code: "CERT_HAS_EXPIRED" });
    expect(networkProblem(new TypeError("fetch failed", { cause: tls }))).toBe("TLS failed: certificate has expired");
    expect(networkProblem(new Error("something else"))).toBeNull();
    expect(toCliError(new TypeError("fetch failed", { cause: socket }))).toMatchObject({
      message: "the connection to the server failed: the connection was reset",
      exitCode: 1,
    });
  });

  it("a restore whose workload did not start again is a failure (exit 1) with the reason; a clean one is not", () => {
    expect(restoreFailure({})).toBeNull();
    expect(restoreFailure({ redeployError: "app: the container failed to start" })).toMatchObject({
      exitCode: 1,
      reason: "redeploy-failed",
      message: "the snapshot was restored, but the workload did not start again: app: the container failed to start",
    });
  });

  it("warns about a token over plain http:// only when it leaves this machine", () => {
    for (const local of [
      "http://localhost:3000",
      "http://127.0.0.1",
      "http://127.8.9.10:80",
      "http://[::1]:3000",
      "https://berth.example",
    ]) {
      expect(sendsTokenInClear(local), local).toBe(false);
    }
    for (const remote of [
      "http://berth.example",
      "http://10.0.0.5:3000",
      "http://[::2]",
      "http://127.example.com",
      "http://localhost.evil.com",
    ]) {
      expect(sendsTokenInClear(remote), remote).toBe(true);
    }
  });
});
