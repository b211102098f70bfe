import { describe, expect, it } from "vitest";
import { publicFailure } from "~/server/engine/public-error";

const id = "681d31a40f19229d2a5cd80e172f9a85fd2990a31db67e10a35c8af78c049570";

describe("a host port already in use", () => {
  it("becomes host-port-in-use with the port, and nothing of Docker's text", () => {
    const allocated = new Error(
      `driver failed programming external connectivity on endpoint berth_p_s_app (${id}): Bind for 0.0.0.0:39123 failed: port is already allocated`,
    );
    const failure = publicFailure(allocated);
    expect(failure).toEqual({
      reason: "host-port-in-use",
      params: { port: "39123" },
      message: "Host port 39123 is already in use on this server",
    });
    const proxy = new Error(`Error starting userland proxy: listen tcp4 0.0.0.0:8080: bind: address already in use`);
    expect(publicFailure(new Error("wrapped", { cause: proxy }))).toMatchObject({ reason: "host-port-in-use", params: { port: "8080" } });
  });

  it("leaves other Docker failures alone", () => {
    expect(publicFailure(new Error(`endpoint (${id}) failed: no such network`)).reason).toBe("unexpected");
    // Node's own EADDRINUSE names no Docker port: not a host port to report (it used to give "Host port  is…").
    const node = Object.assign(new Error("listen EADDRINUSE: address already in use /run/berth.sock"), { code: "EADDRINUSE" });
    expect(publicFailure(node).reason).not.toBe("host-port-in-use");
  });
});
